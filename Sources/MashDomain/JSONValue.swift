import Foundation

/// A parsed JSON value. Objects keep their members in document order; numbers keep
/// their text, as nothing in a referral is numeric and nothing should be lost.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The JSON type's name, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON object's members, in document order, with unique keys.
public struct JSONObject: Sendable, Equatable {
    public let members: [(key: String, value: JSONValue)]

    public init(members: [(key: String, value: JSONValue)]) { self.members = members }

    public subscript(key: String) -> JSONValue? {
        members.first(where: { $0.key == key })?.value
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// Builds the JSON Pointer (RFC 6901) of a location in a document.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public static let root = JSONPointer(description: "")

    private init(description: String) { self.description = description }

    public func appending(_ key: String) -> JSONPointer {
        // Runs for every field read, so the common key with nothing to escape
        // costs one scan and no Foundation string search.
        guard key.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else {
            return JSONPointer(description: description + "/" + key)
        }
        var escaped = ""
        for character in key {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.append(character)
            }
        }
        return JSONPointer(description: description + "/" + escaped)
    }

    public func appending(_ index: Int) -> JSONPointer {
        JSONPointer(description: description + "/" + String(index))
    }
}
