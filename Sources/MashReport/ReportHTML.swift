import Foundation

/// The performance report as one self-contained HTML file: inline CSS and SVG
/// charts, no scripts and no external assets, so that a manager can open it or
/// attach it to an email. Written as well-formed XML (XHTML syntax) so that any
/// XML parser can check it.
public enum ReportHTML {
    public static func render(_ report: PerformanceReport, formatTime: (Date) -> String) -> String {
        let period = "\(formatTime(report.from)) to \(formatTime(report.to))"
        var body = """
            <h1>MASH performance</h1>
            <p>Referrals received from \(escape(period)); generated \(escape(formatTime(report.generatedAt))).</p>
            \(figuresTable("Overall", [PerformanceReport.Breakdown(name: "All referrals", figures: report.overall)]))
            """
        body += barChart("Referrals by agency", report.byAgency.map { Bar(label: $0.name, value: Double($0.figures.referrals)) })
        body += barChart("Referrals by hub", report.byHub.map { Bar(label: $0.name, value: Double($0.figures.referrals)) })
        body += barChart("Decided within one working day, by hub (%)",
                         report.byHub.map { Bar(label: $0.name, value: $0.figures.decidedWithinOneWorkingDay ?? 0) }, scale: 100)
        body += barChart("Decided within the RAG target, by hub (%)",
                         report.byHub.map { Bar(label: $0.name, value: $0.figures.ragTargetMet ?? 0) }, scale: 100)
        body += barChart("Referrals by concern category", report.byCategory.map { Bar(label: $0.category, value: Double($0.referrals)) })
        body += barChart("Open referrals against capacity, by hub (now)", report.hubCaseloads.map {
            Bar(label: "\($0.hub) (capacity \($0.capacity))", value: Double($0.open), flagged: $0.overCapacity)
        })
        body += figuresTable("By hub", report.byHub)
        body += figuresTable("By agency", report.byAgency)
        body += caseloadTable(report.workerCaseloads)
        return """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <title>MASH performance, \(escape(period))</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 60em; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            .flag { color: #b00; font-weight: bold; }
            svg text { font-size: 12px; }
            </style>
            </head>
            <body>
            \(body)
            </body>
            </html>

            """
    }

    struct Bar {
        let label: String
        let value: Double
        var flagged = false
    }

    /// A horizontal bar chart; bars scale to `scale`, or to the largest value.
    static func barChart(_ title: String, _ bars: [Bar], scale: Double? = nil) -> String {
        let labelWidth = 220.0, barWidth = 360.0, rowHeight = 22.0
        let top = max(scale ?? 0, bars.map(\.value).max() ?? 0, 1)
        let height = Double(max(bars.count, 1)) * rowHeight + 10
        var svg = "<h2>\(escape(title))</h2>\n"
        svg += #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(labelWidth + barWidth + 80))" height="\#(Int(height))" role="img" aria-label="\#(escape(title))">"# + "\n"
        if bars.isEmpty { svg += #"<text x="0" y="16">No referrals</text>"# + "\n" }
        for (index, bar) in bars.enumerated() {
            let y = Double(index) * rowHeight + 4, width = max(bar.value / top * barWidth, 0)
            svg += #"<text x="0" y="\#(PerformanceFigures.text(y + 14))">\#(escape(bar.label))</text>"#
            svg += #"<rect x="\#(PerformanceFigures.text(labelWidth))" y="\#(PerformanceFigures.text(y))" width="\#(PerformanceFigures.text(width))" height="16" fill="\#(bar.flagged ? "#c0392b" : "#2e6da4")"/>"#
            svg += #"<text x="\#(PerformanceFigures.text(labelWidth + width + 6))" y="\#(PerformanceFigures.text(y + 14))">\#(PerformanceFigures.text(bar.value))</text>"# + "\n"
        }
        return svg + "</svg>\n"
    }

    static func figuresTable(_ title: String, _ rows: [PerformanceReport.Breakdown]) -> String {
        let header = ["", "Referrals", "Decided", "Within 1 working day (%)", "RAG target met (%)", "Re-referrals (%)", "NFA (%)", "Quality warnings"]
        var table = "<h2>\(escape(title))</h2>\n<table>\n<tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows {
            let figures = row.figures
            let cells = [row.name, String(figures.referrals), String(figures.decided), share(figures.decidedWithinOneWorkingDay),
                         share(figures.ragTargetMet), share(figures.reReferralRate), share(figures.nfaRate), String(figures.warnings)]
            table += "<tr>" + cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n"
        }
        return table + "</table>\n"
    }

    static func caseloadTable(_ workers: [WorkerCaseload]) -> String {
        var table = "<h2>Caseloads (now)</h2>\n<table>\n<tr><th>Worker</th><th>Hub</th><th>Open</th><th>Limit</th></tr>\n"
        for worker in workers {
            let open = worker.overLimit ? #"<span class="flag">\#(worker.open) (over)</span>"# : String(worker.open)
            table += "<tr><td>\(escape(worker.worker))</td><td>\(escape(worker.hub))</td><td>\(open)</td><td>\(worker.limit)</td></tr>\n"
        }
        if workers.isEmpty { table += #"<tr><td colspan="4">No referral is allocated.</td></tr>"# + "\n" }
        return table + "</table>\n"
    }

    static func share(_ value: Double?) -> String { value.map(PerformanceFigures.text) ?? "-" }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
