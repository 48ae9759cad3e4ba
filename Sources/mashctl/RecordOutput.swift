import ArgumentParser
import Foundation
import MashDomain
import MashReport

/// How records are printed: `table` for people, `json` (stable) and `csv` for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

struct FormatOptions: ParsableArguments {
    @Option(help: "Output format: table, json or csv.")
    var format: OutputFormat = .table
}

/// One field's value in a printed record.
enum FieldValue {
    case text(String)
    case number(Int)
    /// A figure such as a percentage, printed to one decimal place where it has one.
    case decimal(Double)
    case flag(Bool)
    case time(Date)
    case list([Record])
    /// A nested object (JSON); a table prints its fields indented.
    case record(Record)
    /// JSON text as stored (a referral document): embedded as is in JSON output.
    case rawJSON(String)
    /// Names such as flags: a JSON array of strings, comma-separated in a table.
    case names([String])
    case null

    init(_ text: String?) { self = text.map(FieldValue.text) ?? .null }
    init(_ time: Date?) { self = time.map(FieldValue.time) ?? .null }
    init(_ number: Int?) { self = number.map(FieldValue.number) ?? .null }
    init(_ figure: Double?) { self = figure.map(FieldValue.decimal) ?? .null }
}

/// A record with its fields in a fixed order, so every format lists them the same way.
struct Record {
    struct Field {
        let name: String
        let value: FieldValue
    }

    var fields: [Field]
    init(_ fields: [(String, FieldValue)]) { self.fields = fields.map { Field(name: $0.0, value: $0.1) } }
}

enum RecordPrinter {
    /// Prints a list: a JSON array, CSV with a header row, or an aligned table.
    static func printList(_ records: [Record], columns: [String], format: OutputFormat) {
        switch format {
        case .json: print(json(.list(records)))
        case .csv:
            print(columns.map(csvField).joined(separator: ","))
            for record in records { print(columns.map { csvField(cell(record, $0)) }.joined(separator: ",")) }
        case .table:
            let rows = records.map { record in columns.map { cell(record, $0) } }
            let widths = Terminal.fitting(columns.indices.map { index in ([columns[index]] + rows.map { $0[index] }).map(\.count).max() ?? 0 })
            let line = { (cells: [String]) in
                zip(cells, widths).map { cell, width in
                    Terminal.coloured(Terminal.truncated(cell, to: width).padding(toLength: width, withPad: " ", startingAt: 0))
                }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            }
            print(line(columns.map { $0.uppercased() }))
            rows.forEach { print(line($0)) }
            if records.isEmpty { print("(none)") }
        }
    }

    /// Prints one record: a JSON object, or `name: value` lines (CSV: one header row and one row).
    static func printRecord(_ record: Record, format: OutputFormat) {
        switch format {
        case .json: print(json(record))
        case .csv:
            let flat = record.fields.filter {
                switch $0.value {
                case .list, .record: false
                default: true
                }
            }
            printList([record], columns: flat.map(\.name), format: .csv)
        case .table:
            let width = record.fields.map(\.name.count).max() ?? 0
            for field in record.fields {
                switch field.value {
                case .list(let items):
                    print("\(field.name):")
                    items.forEach { print("  - " + $0.fields.map { "\($0.name): \(text($0.value))" }.joined(separator: ", ")) }
                case .record(let nested):
                    print("\(field.name):")
                    nested.fields.forEach { print("  \($0.name): \(text($0.value))") }
                default:
                    print(field.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + Terminal.coloured(text(field.value)))
                }
            }
        }
    }

    static func cell(_ record: Record, _ column: String) -> String {
        record.fields.first { $0.name == column }.map { text($0.value) } ?? ""
    }

    static func text(_ value: FieldValue) -> String {
        switch value {
        case .text(let text): text
        case .number(let number): String(number)
        case .decimal(let figure): PerformanceFigures.text(figure)
        case .flag(let flag): flag ? "yes" : "no"
        case .time(let time): RFC3339.format(time)
        case .list(let items): "\(items.count)"
        case .record(let nested): nested.fields.map { "\($0.name)=\(text($0.value))" }.joined(separator: " ")
        case .rawJSON(let json): json
        case .names(let names): names.isEmpty ? "-" : names.joined(separator: ",")
        case .null: "-"
        }
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// JSON with fields in record order; `null` for missing values.
    static func json(_ value: FieldValue) -> String {
        switch value {
        case .text(let text): JSONString.quoted(text)
        case .number(let number): String(number)
        case .decimal(let figure): figure.isFinite ? String(figure) : "null"
        case .record(let nested): json(nested)
        case .rawJSON(let json): json
        case .flag(let flag): flag ? "true" : "false"
        case .time(let time): JSONString.quoted(RFC3339.format(time))
        case .null: "null"
        case .list(let records): "[" + records.map(json).joined(separator: ",") + "]"
        case .names(let names): "[" + names.map(JSONString.quoted).joined(separator: ",") + "]"
        }
    }

    static func json(_ record: Record) -> String {
        "{" + record.fields.map { JSONString.quoted($0.name) + ":" + json($0.value) }.joined(separator: ",") + "}"
    }
}
