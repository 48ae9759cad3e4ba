import Foundation

/// A bound parameter: the bytes libpq sends, in text or binary format.
///
/// Every value reaches the server this way, never spliced into SQL text.
public struct PostgresParameter: Sendable {
    public enum Format: Int32, Sendable { case text = 0, binary = 1 }
    let bytes: [UInt8]
    let format: Format
    /// The parameter's type OID, or 0 to let the server infer it from the statement.
    let typeOID: UInt32

    public init(text: String, typeOID: UInt32 = 0) {
        self.bytes = Array(text.utf8)
        self.format = .text
        self.typeOID = typeOID
    }

    /// A value in text format, given as its UTF-8 bytes.
    init(textBytes bytes: [UInt8], typeOID: UInt32 = 0) {
        self.bytes = bytes
        self.format = .text
        self.typeOID = typeOID
    }

    public init(binary bytes: [UInt8], typeOID: UInt32) {
        self.bytes = bytes
        self.format = .binary
        self.typeOID = typeOID
    }
}

/// A Swift value that can be sent as a bound parameter.
public protocol PostgresEncodable: Sendable {
    var postgresParameter: PostgresParameter { get }
}

extension String: PostgresEncodable {
    public var postgresParameter: PostgresParameter { PostgresParameter(text: self) }
}

extension Int: PostgresEncodable {
    public var postgresParameter: PostgresParameter { PostgresParameter(text: String(self)) }
}

extension Bool: PostgresEncodable {
    public var postgresParameter: PostgresParameter { PostgresParameter(text: self ? "t" : "f") }
}

extension UUID: PostgresEncodable {
    public var postgresParameter: PostgresParameter { PostgresParameter(text: uuidString, typeOID: PostgresType.uuid) }
}

extension Date: PostgresEncodable {
    /// Sent as binary `timestamptz`: microseconds since 2000-01-01 UTC, exact.
    public var postgresParameter: PostgresParameter {
        let micros = Int64((timeIntervalSince(PostgresType.epoch) * 1_000_000).rounded())
        return PostgresParameter(binary: withUnsafeBytes(of: micros.bigEndian) { Array($0) }, typeOID: PostgresType.timestamptz)
    }
}

/// Raw bytes, sent as binary `bytea`.
public struct ByteA: PostgresEncodable, Hashable {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var postgresParameter: PostgresParameter { PostgresParameter(binary: bytes, typeOID: PostgresType.bytea) }
}

/// The type OIDs this layer reads and writes.
public enum PostgresType {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let char: UInt32 = 18
    public static let name: UInt32 = 19
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let oid: UInt32 = 26
    public static let json: UInt32 = 114
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let bpchar: UInt32 = 1042
    public static let varchar: UInt32 = 1043
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802
    /// PostgreSQL's epoch for binary timestamps.
    static let epoch = Date(timeIntervalSince1970: 946_684_800)
}

/// A one-dimensional array sent in PostgreSQL's text form (`{"a","b",NULL}`),
/// each element given as its value's text form; the statement casts the parameter
/// to the element type (`$1::text[]`, `$2::date[]`, `$3::jsonb[]`). Lets a fixed
/// statement take a whole batch of rows (`unnest`), so it can be prepared once.
public struct PostgresArray: PostgresEncodable {
    public let elements: [String?]

    public init(_ elements: [String?]) { self.elements = elements }

    public var postgresParameter: PostgresParameter {
        // Built as UTF-8 bytes: documents of kilobytes go through here, one byte at a time.
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(elements.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 4 })
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard let element else {
                bytes += "NULL".utf8
                continue
            }
            bytes.append(quote)
            for byte in element.utf8 {
                if byte == quote || byte == backslash { bytes.append(backslash) }
                bytes.append(byte)
            }
            bytes.append(quote)
        }
        bytes.append(UInt8(ascii: "}"))
        return PostgresParameter(textBytes: bytes)
    }
}
