import ArgumentParser
import Foundation
import MashStore

struct AssignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Allocate an open referral to a worker.",
        discussion: """
            Warns on stderr when the worker is now over their hub's caseload limit
            (`mashctl hub update HUB --worker-limit N`); the allocation stands.
            Example: mashctl assign 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41 --worker "J Smith"
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions
    @Argument(help: "The referral's id.") var id: ReferralID
    @Option(help: "The worker, as caseloads name them.") var worker: String

    func run() async throws {
        let (referral, caseload) = try await connection.withStore { try await $0.assign(referral: id.uuid, to: worker) }
        if caseload.overLimit {
            FileHandle.standardError.write(Data("warning: \(worker) now holds \(caseload.open) open referrals in \(caseload.hub), over the limit of \(caseload.limit)\n".utf8))
        }
        var record = ReferralRecord.record(referral)
        record.fields += Record([("assignedTo", .text(worker)), ("caseload", .number(caseload.open)), ("caseloadLimit", .number(caseload.limit))]).fields
        RecordPrinter.printRecord(record, format: output.format)
    }
}
