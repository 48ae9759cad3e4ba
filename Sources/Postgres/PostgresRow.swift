import Foundation

/// The rows of one result, copied out of libpq as soon as it arrived, so nothing
/// here points into memory libpq owns.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// Column names and types, shared by every row.
    public let columns: PostgresColumns
    let cells: [[[UInt8]?]]
    /// The command tag's row count, e.g. 3 for `UPDATE 3` (0 where none applies).
    public let affectedRows: Int

    public var startIndex: Int { 0 }
    public var endIndex: Int { cells.count }
    public subscript(position: Int) -> PostgresRow { PostgresRow(columns: columns, cells: cells[position]) }
}

/// Column names and type OIDs of a result.
public struct PostgresColumns: Sendable {
    public let names: [String]
    let types: [UInt32]

    func index(of name: String) throws -> Int {
        guard let index = names.firstIndex(of: name) else {
            throw PostgresError(code: .decoding, message: "the result has no column \"\(name)\"")
        }
        return index
    }
}

/// One row of a result. Values are read by column name or position, as a Swift type.
public struct PostgresRow: Sendable {
    public let columns: PostgresColumns
    let cells: [[UInt8]?]

    /// The value of `column`, or nil for SQL NULL.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, _ column: String) throws -> T? {
        try decode(type, at: columns.index(of: column))
    }

    /// The value of `column`, which must not be NULL.
    public func require<T: PostgresDecodable>(_ type: T.Type = T.self, _ column: String) throws -> T {
        guard let value = try decode(type, column) else {
            throw PostgresError(code: .decoding, message: "column \"\(column)\" is NULL")
        }
        return value
    }

    /// The value at `index`, or nil for SQL NULL.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws -> T? {
        guard let bytes = cells[index] else { return nil }
        return try T(postgresBytes: bytes[...], type: columns.types[index], column: columns.names[index])
    }
}

/// A Swift type that can be read from a binary-format result value.
public protocol PostgresDecodable: Sendable {
    init(postgresBytes bytes: ArraySlice<UInt8>, type: UInt32, column: String) throws
}

private func unsupported(_ swiftType: Any.Type, _ oid: UInt32, _ column: String) -> PostgresError {
    PostgresError(code: .decoding, message: "column \"\(column)\" of type OID \(oid) cannot be read as \(swiftType)")
}

private func bigEndianInteger<I: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, as: I.Type) -> I? {
    guard bytes.count == MemoryLayout<I>.size else { return nil }
    return bytes.reduce(I.zero) { ($0 << 8) | I(truncatingIfNeeded: $1) }
}

extension String: PostgresDecodable {
    public init(postgresBytes bytes: ArraySlice<UInt8>, type: UInt32, column: String) throws {
        switch type {
        case PostgresType.text, PostgresType.varchar, PostgresType.name, PostgresType.bpchar, PostgresType.json, PostgresType.char:
            self = String(decoding: bytes, as: UTF8.self)
        case PostgresType.jsonb:
            // Binary jsonb is a version byte (1) followed by the JSON text.
            guard bytes.first == 1 else { throw unsupported(String.self, type, column) }
            self = String(decoding: bytes.dropFirst(), as: UTF8.self)
        case PostgresType.uuid:
            self = try UUID(postgresBytes: bytes, type: type, column: column).uuidString.lowercased()
        default:
            throw unsupported(String.self, type, column)
        }
    }
}

extension Int: PostgresDecodable {
    public init(postgresBytes bytes: ArraySlice<UInt8>, type: UInt32, column: String) throws {
        let value: Int?
        switch type {
        case PostgresType.int2: value = bigEndianInteger(bytes, as: Int16.self).map(Int.init)
        case PostgresType.int4: value = bigEndianInteger(bytes, as: Int32.self).map(Int.init)
        case PostgresType.int8: value = bigEndianInteger(bytes, as: Int64.self).map(Int.init)
        case PostgresType.oid: value = bigEndianInteger(bytes, as: UInt32.self).map(Int.init)
        default: value = nil
        }
        guard let value else { throw unsupported(Int.self, type, column) }
        self = value
    }
}

extension Double: PostgresDecodable {
    public init(postgresBytes bytes: ArraySlice<UInt8>, type: UInt32, column: String) throws {
        switch type {
        case PostgresType.float8:
            guard let bits = bigEndianInteger(bytes, as: UInt64.self) else { throw unsupported(Double.self, type, column) }
            self = Double(bitPattern: bits)
        case PostgresType.float4:
            guard let bits = bigEndianInteger(bytes, as: UInt32.self) else { throw unsupported(Double.self, type, column) }
            self = Double(Float(bitPattern: bits))
        default:
            self = Double(try Int(postgresBytes: bytes, type: type, column: column))
        }
    }
}

extension Bool: PostgresDecodable {
    public init(postgresBytes bytes: ArraySlice<UInt8>, type: UInt32, column: String) throws {
        guard type == PostgresType.bool, bytes.count == 1 else { throw unsupported(Bool.self, type, column) }
        self = bytes.first != 0
    }
}

extension Date: PostgresDecodable {
    public init(postgresBytes bytes: ArraySlice<UInt8>, type: UInt32, column: String) throws {
        guard type == PostgresType.timestamptz || type == PostgresType.timestamp,
              let micros = bigEndianInteger(bytes, as: Int64.self)
        else { throw unsupported(Date.self, type, column) }
        self = PostgresType.epoch.addingTimeInterval(Double(micros) / 1_000_000)
    }
}

extension UUID: PostgresDecodable {
    public init(postgresBytes bytes: ArraySlice<UInt8>, type: UInt32, column: String) throws {
        guard type == PostgresType.uuid, bytes.count == 16 else { throw unsupported(UUID.self, type, column) }
        let b = Array(bytes)
        self = UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}

extension ByteA: PostgresDecodable {
    public init(postgresBytes bytes: ArraySlice<UInt8>, type: UInt32, column: String) throws {
        guard type == PostgresType.bytea else { throw unsupported(ByteA.self, type, column) }
        self.init(Array(bytes))
    }
}
