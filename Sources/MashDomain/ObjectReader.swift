/// Reads the fields of one JSON object, recording a problem for every field that is
/// missing, of the wrong type or out of bounds, and (in `finish`) every field it
/// was never asked for. A field that is absent or `null` counts as not given.
struct ObjectReader {
    let object: JSONObject
    let pointer: JSONPointer
    let problems: ProblemList
    /// Which members have been asked for, by position.
    private var read: [Bool]

    init(object: JSONObject, pointer: JSONPointer, problems: ProblemList) {
        self.object = object
        self.pointer = pointer
        self.problems = problems
        read = Array(repeating: false, count: object.members.count)
    }

    mutating func value(_ key: String, required: Bool = false) -> JSONValue? {
        let index = object.members.firstIndex { $0.key == key }
        if let index { read[index] = true }
        guard let value = index.map({ object.members[$0].value }), value != .null else {
            if required { problems.invalid(pointer.appending(key), "is required") }
            return nil
        }
        return value
    }

    /// A string of at most `maxLength` characters, without NUL; a required one must not be blank.
    mutating func string(_ key: String, required: Bool = false, maxLength: Int) -> String? {
        guard let value = value(key, required: required) else { return nil }
        return Self.string(value, at: pointer.appending(key), required: required, maxLength: maxLength, problems: problems)
    }

    /// `pointer` is built only when there is a problem to report: most fields have none.
    static func string(_ value: JSONValue, at pointer: @autoclosure () -> JSONPointer, required: Bool = false, maxLength: Int, problems: ProblemList) -> String? {
        guard case .string(let text) = value else {
            problems.wrongType(pointer(), expected: "a string", found: value)
            return nil
        }
        // A string has at most as many characters as UTF-8 bytes, so most need no count.
        if text.utf8.count > maxLength && text.unicodeScalars.count > maxLength {
            problems.invalid(pointer(), "is longer than \(maxLength) characters")
        } else if text.utf8.withContiguousStorageIfAvailable({ $0.contains(0) }) ?? text.utf8.contains(0) {
            problems.invalid(pointer(), "must not contain NUL characters")
        } else if required && text.isBlank {
            problems.invalid(pointer(), "must not be empty")
        } else {
            return text
        }
        return nil
    }

    mutating func bool(_ key: String, required: Bool = false) -> Bool? {
        guard let value = value(key, required: required) else { return nil }
        guard case .bool(let flag) = value else {
            problems.wrongType(pointer.appending(key), expected: "true or false", found: value)
            return nil
        }
        return flag
    }

    /// A whole number within `range`, however JSON writes it: `30`, `30.0` and `3e1`
    /// are one number (as JSON Schema's `integer` has it).
    mutating func integer(_ key: String, required: Bool = false, range: ClosedRange<Int>) -> Int? {
        guard let value = value(key, required: required) else { return nil }
        guard case .number(let text) = value else {
            problems.wrongType(pointer.appending(key), expected: "a whole number", found: value)
            return nil
        }
        guard let number = Double(text).flatMap({ Int(exactly: $0) }), range.contains(number) else {
            problems.invalid(pointer.appending(key), "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return number
    }

    /// One of an enumeration's raw values; the problem lists the allowed ones.
    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type, required: Bool = false) -> E?
    where E.RawValue == String {
        guard let text = string(key, required: required, maxLength: 64) else { return nil }
        return Self.enumeration(text, type, at: pointer.appending(key), problems: problems)
    }

    static func enumeration<E: RawRepresentable & CaseIterable>(_ text: String, _ type: E.Type, at pointer: @autoclosure () -> JSONPointer, problems: ProblemList) -> E?
    where E.RawValue == String {
        guard let value = E(rawValue: text) else {
            problems.invalid(pointer(), "must be one of: " + E.allCases.map(\.rawValue).joined(separator: ", "))
            return nil
        }
        return value
    }

    /// A string in a format `parse` understands; `format` describes it for the sender.
    mutating func formatted<T>(_ key: String, required: Bool = false, format: String, _ parse: (String) -> T?) -> T? {
        guard let text = string(key, required: required, maxLength: 64) else { return nil }
        guard let value = parse(text) else {
            problems.invalid(pointer.appending(key), "must be \(format)")
            return nil
        }
        return value
    }

    /// An array of `count` elements, each returned with its pointer.
    mutating func array(_ key: String, required: Bool = false, count: ClosedRange<Int>) -> [(value: JSONValue, pointer: JSONPointer)]? {
        guard let value = value(key, required: required) else { return nil }
        let arrayPointer = pointer.appending(key)
        guard case .array(let elements) = value else {
            problems.wrongType(arrayPointer, expected: "an array", found: value)
            return nil
        }
        guard count.contains(elements.count) else {
            problems.invalid(arrayPointer, "must hold \(count.lowerBound) to \(count.upperBound) entries, not \(elements.count)")
            return nil
        }
        return elements.enumerated().map { ($0.element, arrayPointer.appending($0.offset)) }
    }

    mutating func object(_ key: String, required: Bool = false) -> ObjectReader? {
        guard let value = value(key, required: required) else { return nil }
        return problems.object(value, at: pointer.appending(key))
    }

    /// Records every field that was not read as unknown.
    func finish() {
        for (member, wasRead) in zip(object.members, read) where !wasRead {
            problems.shape(pointer.appending(member.key), "is not a known field")
        }
    }
}

extension String {
    /// Nothing but white space (Unicode's White_Space, scalar by scalar, as JSON
    /// Schema's patterns see it): a combining mark on a space is not blank.
    var isBlank: Bool { unicodeScalars.allSatisfy(\.isWhiteSpace) }
}

extension Unicode.Scalar {
    /// Unicode's White_Space, without the property table for ASCII, which is
    /// nearly every scalar a referral holds (the table lookup showed in profiles).
    var isWhiteSpace: Bool {
        isASCII ? value == 0x20 || (0x09...0x0D).contains(value) : properties.isWhitespace
    }
}
