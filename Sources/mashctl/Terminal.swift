#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Manners at a terminal: tables fit its width, and urgency is coloured only when
/// stdout is a terminal and `NO_COLOR` is not set (https://no-color.org).
enum Terminal {
    /// The width tables must fit: `COLUMNS` if set, else the terminal's, else none
    /// (output to a file or pipe is never cut).
    static let width: Int? = {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }()

    static let usesColour: Bool = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true

    /// Column widths narrowed, widest first, until a row with two spaces between
    /// columns fits `width`, as far as every column keeps 6 characters.
    static func fitting(_ widths: [Int], width: Int? = Terminal.width) -> [Int] {
        guard let width else { return widths }
        var fitted = widths
        while fitted.reduce(0, +) + 2 * (fitted.count - 1) > width,
              let widest = fitted.indices.max(by: { fitted[$0] < fitted[$1] }), fitted[widest] > 6 {
            fitted[widest] -= 1
        }
        return fitted
    }

    /// `text` cut to `width` characters, the last one an ellipsis when cut.
    static func truncated(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(width - 1, 0))) + "…"
    }

    /// A RAG cell in its colour, at a terminal that takes colour; anything else as it is.
    static func coloured(_ cell: String) -> String {
        guard usesColour else { return cell }
        let code: String
        switch cell.trimmingCharacters(in: .whitespaces) {
        case "red": code = "31"
        case "amber": code = "33"
        case "green": code = "32"
        default: return cell
        }
        return "\u{1B}[\(code)m\(cell)\u{1B}[0m"
    }
}
