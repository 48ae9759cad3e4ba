import ArgumentParser
import Foundation
import MashDomain
import MashReport
import MashStore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "How a period went: volumes, time targets, re-referral and NFA rates, quality warnings, caseloads.",
        discussion: """
            Counts referrals received in [--from, --to) (default: the last 30 days), overall,
            by hub, by agency and by concern category. Shares are percentages to one decimal
            place: decided within one working day of arrival (the document's decision target,
            in its working calendar); decided by the due time triage set (RAG target); re-referrals
            (a child referred within the 12 months before); NFA among decisions. A time target is
            judged on referrals decided, and on those undecided once it has passed; those still
            inside it are left out. Caseloads are as they stand now.
            --format html writes one self-contained file with charts, for email.
            Examples:
              mashctl report --from 2026-10-01 --to 2026-11-01
              mashctl report --from 2026-10-01 --to 2026-11-01 --format html > october.html
            """
    )

    enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case table, json, csv, html }

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Start of the period: a date (UTC midnight) or RFC 3339 time (default: 30 days ago).") var from: TimeArgument?
    @Option(help: "End of the period, exclusive (default: now).") var to: TimeArgument?
    @Option(help: "Output format: table, json, csv or html.") var format: ReportFormat = .table

    func run() async throws {
        let now = Date()
        let end = to?.date ?? now, start = from?.date ?? end.addingTimeInterval(-30 * 86_400)
        guard start < end else { throw CommandFailure("--from must be before --to") }
        let (engine, referrals, caseloads) = try await connection.withStore { store in
            (try await TriageReplay.engine(store: store).0, try await store.reportReferrals(from: start, to: end), try await store.caseloads())
        }
        let calendar = engine.document.calendar, decisionTarget = engine.document.decisionTarget
        let report = PerformanceReport(
            referrals: referrals, from: start, to: end, now: now,
            oneWorkingDayAfter: { decisionTarget.deadline(after: $0, in: calendar) },
            hubCaseloads: caseloads.hubs, workerCaseloads: caseloads.workers
        )
        switch format {
        case .html: print(ReportHTML.render(report, formatTime: RFC3339.format), terminator: "")
        case .json: print(RecordPrinter.json(Self.record(report)))
        case .table, .csv:
            let output: OutputFormat = format == .csv ? .csv : .table
            let rows = [Self.figures("all", "all", report.overall)]
                + report.byHub.map { Self.figures("hub", $0.name, $0.figures) }
                + report.byAgency.map { Self.figures("agency", $0.name, $0.figures) }
            RecordPrinter.printList(rows, columns: ["scope", "name"] + Self.figureColumns, format: output)
        }
    }

    static let figureColumns = ["referrals", "decided", "decidedWithinOneWorkingDay", "ragTargetMet", "reReferralRate", "nfaRate", "warnings"]

    static func figureFields(_ figures: PerformanceFigures) -> [(String, FieldValue)] {
        [
            ("referrals", .number(figures.referrals)), ("decided", .number(figures.decided)),
            ("decidedWithinOneWorkingDay", FieldValue(figures.decidedWithinOneWorkingDay)), ("ragTargetMet", FieldValue(figures.ragTargetMet)),
            ("reReferralRate", FieldValue(figures.reReferralRate)), ("nfaRate", FieldValue(figures.nfaRate)),
            ("reReferrals", .number(figures.reReferrals)), ("nfa", .number(figures.nfa)),
            ("warnings", .number(figures.warnings)), ("referralsWithWarnings", .number(figures.referralsWithWarnings)),
        ]
    }

    static func figures(_ scope: String, _ name: String, _ figures: PerformanceFigures) -> Record {
        Record([("scope", .text(scope)), ("name", .text(name))] + figureFields(figures))
    }

    /// The JSON report: the overall figures at the top level, then the breakdowns.
    static func record(_ report: PerformanceReport) -> Record {
        let breakdown = { (groups: [PerformanceReport.Breakdown]) in
            FieldValue.list(groups.map { Record([("name", .text($0.name))] + figureFields($0.figures)) })
        }
        return Record(
            [("from", .time(report.from)), ("to", .time(report.to)), ("generatedAt", .time(report.generatedAt))]
                + figureFields(report.overall)
                + [
                    ("byHub", breakdown(report.byHub)), ("byAgency", breakdown(report.byAgency)),
                    ("byCategory", .list(report.byCategory.map { Record([("category", .text($0.category)), ("referrals", .number($0.referrals))]) })),
                    ("caseloads", .record(Record([
                        ("hubs", .list(report.hubCaseloads.map(CaseloadsCommand.record))),
                        ("workers", .list(report.workerCaseloads.map(CaseloadsCommand.record))),
                    ]))),
                ])
    }
}
