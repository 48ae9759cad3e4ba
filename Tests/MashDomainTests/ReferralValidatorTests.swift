import Foundation
@testable import MashDomain
import Testing

// MARK: - Building documents

/// "Now" for every validation here: 2026-11-23T10:00:00Z, which is 2026-11-23 in London.
private let now = Date(timeIntervalSince1970: 1_795_428_000)

/// A concern detail long enough not to draw a warning.
private let fullDetail = "Mother disclosed that her partner hit her in front of the children last night."

private func validChild() -> [String: Any] {
    [
        "givenName": "Amira", "familyName": "Khan", "otherNames": ["Ami"],
        "dateOfBirth": "2016-04-02", "expectedDueDate": NSNull(),
        "gender": "female", "nhsNumber": "943 476 5919", "upn": "b801200005001",
        "postcode": "sl12ab", "address": "1 High Street, Slough", "ethnicity": "ABAN",
        "firstLanguage": "Urdu", "interpreterNeeded": false, "disability": NSNull(),
        "school": "Slough Primary School", "gp": "Slough Health Centre",
    ]
}

/// A referral that passes every check and draws no warning, for any agency kind.
private func validDocument() -> [String: Any] {
    [
        "reference": "TVP-PPN-2026-000123",
        "kind": "referral",
        "submittedAt": "2026-11-23T09:15:00Z",
        "referrer": [
            "name": "PC Jane Smith", "role": "Police constable", "organisation": "Thames Valley Police",
            "phone": "+44 1865 123456", "email": "jane.smith@thamesvalley.police.uk",
        ] as [String: Any],
        "children": [validChild()],
        "household": [
            ["name": "Sara Khan", "relationship": "mother", "dateOfBirth": "1990-01-01", "parentalResponsibility": true]
                as [String: Any]
        ],
        "concerns": [["category": "domestic_abuse", "detail": fullDetail]],
        "immediateDanger": false,
        "childLocation": "At school",
        "familyInformed": "yes",
        "consent": "given",
        "childViews": "Amira said she is frightened when they shout.",
        "confidentialFromFamily": NSNull(),
        "referrerAnonymous": false,
        "policeRiskGrade": "medium",
        "receivedBy": "web",
    ]
}

/// JSON text put into a document verbatim.
private struct RawJSON {
    let text: String
}

private func quote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// Writes a document of dictionaries, arrays, strings, Ints, Bools, NSNull and `RawJSON`,
/// keys sorted.
private func write(_ value: Any) -> String {
    switch value {
    case is NSNull: return "null"
    case let raw as RawJSON: return raw.text
    case let flag as Bool: return flag ? "true" : "false"
    case let number as Int: return String(number)
    case let text as String: return quote(text)
    case let array as [Any]: return "[" + array.map(write).joined(separator: ",") + "]"
    case let object as [String: Any]:
        return "{" + object.keys.sorted().map { quote($0) + ":" + write(object[$0]!) }.joined(separator: ",") + "}"
    default: fatalError("cannot write \(type(of: value))")
    }
}

/// The unescaped reference tokens of a JSON Pointer.
private func tokens(_ pointer: String) -> ArraySlice<String> {
    pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        .map { $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~") }[...]
}

/// `node` with the value at `path` replaced by `value`, or removed when `value` is nil.
private func replacing(_ path: ArraySlice<String>, in node: Any, with value: Any?) -> Any? {
    guard let head = path.first else { return value }
    if var array = node as? [Any] {
        let index = Int(head)!
        array[index] = replacing(path.dropFirst(), in: array[index], with: value) ?? NSNull()
        return array
    }
    var object = node as! [String: Any]
    object[head] = path.count == 1 ? value : replacing(path.dropFirst(), in: object[head]!, with: value)
    return object
}

extension Dictionary where Key == String, Value == Any {
    /// Sets the value at a JSON Pointer such as `/children/0/gender`.
    fileprivate mutating func set(_ pointer: String, _ value: Any) {
        self = replacing(tokens(pointer), in: self, with: value) as! [String: Any]
    }

    /// Removes the member at a JSON Pointer.
    fileprivate mutating func remove(_ pointer: String) {
        self = replacing(tokens(pointer), in: self, with: nil) as! [String: Any]
    }
}

/// `validDocument()` with one value replaced.
private func validDocument(setting pointer: String, to value: Any) -> [String: Any] {
    var document = validDocument()
    document.set(pointer, value)
    return document
}

/// `validDocument()` with one member removed.
private func validDocument(removing pointers: String...) -> [String: Any] {
    var document = validDocument()
    for pointer in pointers { document.remove(pointer) }
    return document
}

// MARK: - Validating

private struct UnexpectedResult: Error, CustomStringConvertible {
    let description: String
}

private func validate(
    _ body: [UInt8], agencyKind: AgencyKind? = nil, at time: Date = now, validator: ReferralValidator = ReferralValidator()
) -> Result<ReferralValidator.Accepted, ReferralRejection> {
    validator.validate(body, receivedAt: time, agencyKind: agencyKind)
}

private func accept(
    _ document: [String: Any], agencyKind: AgencyKind? = nil, at time: Date = now, validator: ReferralValidator = ReferralValidator()
) throws -> ReferralValidator.Accepted {
    switch validate(Array(write(document).utf8), agencyKind: agencyKind, at: time, validator: validator) {
    case .success(let accepted): return accepted
    case .failure(let rejection): throw UnexpectedResult(description: "expected acceptance, got \(rejection.kind): \(rejection.problems)")
    }
}

private func reject(
    _ body: [UInt8], agencyKind: AgencyKind? = nil, at time: Date = now, validator: ReferralValidator = ReferralValidator()
) throws -> ReferralRejection {
    switch validate(body, agencyKind: agencyKind, at: time, validator: validator) {
    case .success(let accepted):
        throw UnexpectedResult(description: "expected rejection, got acceptance with warnings \(accepted.warnings)")
    case .failure(let rejection): return rejection
    }
}

private func reject(
    _ document: [String: Any], agencyKind: AgencyKind? = nil, at time: Date = now, validator: ReferralValidator = ReferralValidator()
) throws -> ReferralRejection {
    try reject(Array(write(document).utf8), agencyKind: agencyKind, at: time, validator: validator)
}

private func pointers(_ problems: [DocumentProblem]) -> [String] { problems.map(\.pointer) }

// MARK: - Accepted documents

@Suite("ReferralValidator: accepted documents")
struct AcceptedReferralTests {
    @Test func completeReferralIsAcceptedAndMapped() throws {
        let accepted = try accept(validDocument())
        #expect(accepted.warnings == [])
        let referral = accepted.referral
        #expect(referral.reference == "TVP-PPN-2026-000123")
        #expect(referral.kind == .referral)
        #expect(referral.submittedAt == Date(timeIntervalSince1970: 1_795_425_300))
        #expect(referral.referrer.name == "PC Jane Smith")
        #expect(referral.referrer.role == "Police constable")
        #expect(referral.referrer.organisation == "Thames Valley Police")
        #expect(referral.referrer.phone == "+44 1865 123456")
        #expect(referral.referrer.email == "jane.smith@thamesvalley.police.uk")

        #expect(referral.children.count == 1)
        let child = try #require(referral.children.first)
        #expect(child.givenName == "Amira")
        #expect(child.familyName == "Khan")
        #expect(child.otherNames == ["Ami"])
        #expect(child.dateOfBirth == CalendarDate(year: 2016, month: 4, day: 2))
        #expect(child.expectedDueDate == nil)
        #expect(child.gender == .female)
        #expect(!child.isUnborn)
        #expect(child.nhsNumber?.description == "9434765919")
        #expect(child.upn?.description == "B801200005001")
        #expect(child.postcode?.description == "SL1 2AB")
        #expect(child.address == "1 High Street, Slough")
        #expect(child.ethnicity == "ABAN")
        #expect(child.firstLanguage == "Urdu")
        #expect(child.interpreterNeeded == false)
        #expect(child.disability == nil)
        #expect(child.school == "Slough Primary School")
        #expect(child.gp == "Slough Health Centre")

        #expect(referral.household.count == 1)
        let member = try #require(referral.household.first)
        #expect(member.name == "Sara Khan")
        #expect(member.relationship == "mother")
        #expect(member.dateOfBirth == CalendarDate(year: 1990, month: 1, day: 1))
        #expect(member.parentalResponsibility == true)
        #expect(referral.concerns.count == 1)
        #expect(referral.concerns.first?.category == .domesticAbuse)
        #expect(referral.concerns.first?.detail == fullDetail)
        #expect(referral.immediateDanger == false)
        #expect(referral.childLocation == "At school")
        #expect(referral.familyInformed == .yes)
        #expect(referral.consent == .given)
        #expect(referral.childViews == "Amira said she is frightened when they shout.")
        #expect(referral.confidentialFromFamily == nil)
        #expect(referral.referrerAnonymous == false)
        #expect(referral.policeRiskGrade == .medium)
        #expect(referral.receivedBy == .web)
    }

    @Test(arguments: AgencyKind.allCases)
    func completeReferralDrawsNoWarningForAnyAgency(_ kind: AgencyKind) throws {
        #expect(try accept(validDocument(), agencyKind: kind).warnings == [])
    }

    @Test func minimalReferralIsAcceptedWithDefaultsAndWarnings() throws {
        let minimal: [String: Any] = [
            "reference": "R1",
            "referrer": ["name": "A Teacher", "email": "teacher@school.example"],
            "children": [["familyName": "Khan", "dateOfBirth": "2016-04-02"]],
            "concerns": [["category": "neglect"]],
            "immediateDanger": true,
        ]
        let accepted = try accept(minimal)
        let referral = accepted.referral
        #expect(referral.kind == .referral)
        #expect(referral.submittedAt == nil)
        #expect(referral.referrerAnonymous == false)
        #expect(referral.household == [])
        #expect(referral.immediateDanger == true)
        #expect(referral.children.first?.otherNames == [])
        #expect(referral.children.first?.gender == nil)
        #expect(referral.concerns.count == 1)
        #expect(referral.concerns.first?.category == .neglect)
        #expect(referral.concerns.first?.detail == nil)
        #expect(referral.referrer.phone == nil)
        #expect(
            pointers(accepted.warnings).sorted() == [
                "/children/0/nhsNumber", "/children/0/postcode", "/concerns/0/detail", "/consent", "/familyInformed",
            ]
        )
    }

    @Test func nullMeansNotGiven() throws {
        var document = validDocument()
        for pointer in ["/kind", "/submittedAt", "/household", "/childLocation", "/childViews", "/referrerAnonymous", "/receivedBy",
                        "/referrer/role", "/children/0/otherNames", "/children/0/givenName", "/children/0/interpreterNeeded"]
        {
            document.set(pointer, NSNull())
        }
        let referral = try accept(document).referral
        #expect(referral.kind == .referral)
        #expect(referral.submittedAt == nil)
        #expect(referral.household == [])
        #expect(referral.childLocation == nil)
        #expect(referral.referrerAnonymous == false)
        #expect(referral.referrer.role == nil)
        #expect(referral.children.first?.otherNames == [])
        #expect(referral.children.first?.givenName == nil)
        #expect(referral.children.first?.interpreterNeeded == nil)
    }

    @Test func contractEnumerations() {
        #expect(Referral.Kind.allCases.map(\.rawValue) == ["referral", "notification"])
        #expect(Child.Gender.allCases.map(\.rawValue) == ["female", "male", "other", "unknown", "unborn"])
        #expect(Referral.FamilyInformed.allCases.map(\.rawValue) == ["yes", "no", "not_safe"])
        #expect(Referral.Consent.allCases.map(\.rawValue) == ["given", "refused", "not_sought", "not_required"])
        #expect(Referral.PoliceRiskGrade.allCases.map(\.rawValue) == ["high", "medium", "standard"])
        #expect(Referral.ReceivedBy.allCases.map(\.rawValue) == ["web", "phone", "email", "api"])
        #expect(
            ConcernCategory.allCases.map(\.rawValue) == [
                "physical_abuse", "emotional_abuse", "sexual_abuse", "neglect", "domestic_abuse",
                "child_sexual_exploitation", "child_criminal_exploitation", "trafficking", "missing", "fgm",
                "honour_based_abuse", "forced_marriage", "radicalisation", "self_harm", "suicide_risk",
                "mental_health_child", "mental_health_parent", "substance_misuse_child", "substance_misuse_parent",
                "parental_learning_disability", "young_carer", "privately_fostered", "unaccompanied_asylum_seeking",
                "homelessness", "online_harm", "fabricated_induced_illness", "harmful_sexual_behaviour",
                "pregnancy_under_16", "allegation_against_professional", "school_attendance", "disability_need", "other",
            ]
        )
    }

    @Test(arguments: ConcernCategory.allCases)
    func everyConcernCategoryIsAccepted(_ category: ConcernCategory) throws {
        let referral = try accept(validDocument(setting: "/concerns/0/category", to: category.rawValue)).referral
        #expect(referral.concerns.first?.category == category)
    }

    @Test(arguments: Referral.Kind.allCases)
    func kinds(_ kind: Referral.Kind) throws {
        #expect(try accept(validDocument(setting: "/kind", to: kind.rawValue)).referral.kind == kind)
    }

    @Test(arguments: Referral.FamilyInformed.allCases)
    func familyInformed(_ value: Referral.FamilyInformed) throws {
        #expect(try accept(validDocument(setting: "/familyInformed", to: value.rawValue)).referral.familyInformed == value)
    }

    @Test(arguments: Referral.Consent.allCases)
    func consent(_ value: Referral.Consent) throws {
        #expect(try accept(validDocument(setting: "/consent", to: value.rawValue)).referral.consent == value)
    }

    @Test(arguments: Referral.PoliceRiskGrade.allCases)
    func policeRiskGrade(_ value: Referral.PoliceRiskGrade) throws {
        #expect(try accept(validDocument(setting: "/policeRiskGrade", to: value.rawValue)).referral.policeRiskGrade == value)
    }

    @Test(arguments: Referral.ReceivedBy.allCases)
    func receivedBy(_ value: Referral.ReceivedBy) throws {
        #expect(try accept(validDocument(setting: "/receivedBy", to: value.rawValue)).referral.receivedBy == value)
    }

    @Test(arguments: [Child.Gender.female, .male, .other, .unknown])
    func bornGenders(_ value: Child.Gender) throws {
        #expect(try accept(validDocument(setting: "/children/0/gender", to: value.rawValue)).referral.children.first?.gender == value)
    }

    @Test func onlyAnEmailOrOnlyAPhoneIsEnough() throws {
        let emailOnly = try accept(validDocument(removing: "/referrer/phone")).referral.referrer
        #expect(emailOnly.phone == nil)
        #expect(emailOnly.email == "jane.smith@thamesvalley.police.uk")
        let phoneOnly = try accept(validDocument(removing: "/referrer/email")).referral.referrer
        #expect(phoneOnly.phone == "+44 1865 123456")
        #expect(phoneOnly.email == nil)
    }

    @Test(arguments: ["+44 1865 123456", "(01865) 123-456", "999 9999", "123456789012345"])
    func phoneNumbers(_ phone: String) throws {
        #expect(try accept(validDocument(setting: "/referrer/phone", to: phone)).referral.referrer.phone == phone)
    }

    @Test(arguments: ["a@b.c", "jane.smith@thamesvalley.police.uk", "x+tag@sub.example.org"])
    func emailAddresses(_ email: String) throws {
        #expect(try accept(validDocument(setting: "/referrer/email", to: email)).referral.referrer.email == email)
    }

    @Test(arguments: ["A", "a.b_c:d/e-f", "TVP-PPN-2026-000123", String(repeating: "x", count: 64)])
    func references(_ reference: String) throws {
        #expect(try accept(validDocument(setting: "/reference", to: reference)).referral.reference == reference)
    }
}

// MARK: - Every problem listed

@Suite("ReferralValidator: every problem is listed")
struct EveryProblemTests {
    /// A document with many problems at once.
    static func brokenDocument() -> [String: Any] {
        var document = validDocument()
        document.set("/reference", "TVP 2026 #123")  // bad characters
        document.remove("/referrer/phone")  // with the email also gone: no way to reach the referrer
        document.remove("/referrer/email")
        var second = validChild()
        second.remove("/familyName")
        document.set("/children", [validChild(), second])
        document.set("/children/0/nhsNumber", "9434765918")  // wrong check digit
        document.set("/children/0/dateOfBirth", "2027-01-01")  // in the future
        document.set("/concerns/0/category", "fishing")  // unknown
        document.remove("/immediateDanger")
        return document
    }

    @Test func everyProblemIsListedWithItsPointer() throws {
        let rejection = try reject(Self.brokenDocument())
        #expect(rejection.kind == .invalid)
        #expect(rejection.problems.count == 7)
        #expect(
            pointers(rejection.problems).sorted() == [
                "/children/0/dateOfBirth", "/children/0/nhsNumber", "/children/1/familyName", "/concerns/0/category",
                "/immediateDanger", "/reference", "/referrer/phone",
            ]
        )
        #expect(rejection.problems.allSatisfy { !$0.detail.isEmpty })
    }

    @Test func evenMoreProblemsAreAllListed() throws {
        var document = Self.brokenDocument()
        document.set("/submittedAt", "2026-11-23T11:00:00Z")  // an hour ahead
        document.set("/household/0/dateOfBirth", "2026-12-25")  // in the future
        document.set("/children/1/postcode", "SL1 2CB")
        document.set("/children/1/upn", "A801200005001")
        document.set("/childViews", String(repeating: "a", count: 10_001))
        document.set("/consent", "maybe")
        document.set("/concerns", [["category": "fishing"], ["detail": fullDetail]] as [Any])
        let rejection = try reject(document)
        #expect(rejection.kind == .invalid)
        #expect(
            pointers(rejection.problems).sorted() == [
                "/childViews", "/children/0/dateOfBirth", "/children/0/nhsNumber", "/children/1/familyName",
                "/children/1/postcode", "/children/1/upn", "/concerns/0/category", "/concerns/1/category", "/consent",
                "/household/0/dateOfBirth", "/immediateDanger", "/reference", "/referrer/phone", "/submittedAt",
            ]
        )
    }

    @Test func problemsComeInDocumentOrder() throws {
        let rejection = try reject(Self.brokenDocument())
        #expect(
            pointers(rejection.problems) == [
                "/reference", "/referrer/phone", "/children/0/nhsNumber", "/children/0/dateOfBirth", "/children/1/familyName",
                "/concerns/0/category", "/immediateDanger",
            ]
        )
    }

    @Test func detailsDoNotEchoSubmittedValues() throws {
        let secrets = [
            "Zebedee", "Quillfeather", "9434765918", "SL1 2CB", "SL12CB", "fishing", "maybe", "2099-01-01",
            "A801200005001", "not-an-email", "call me", "TVP 2026 #123", "Marmalade",
        ]
        var document = Self.brokenDocument()
        document.set("/children/0/givenName", "Zebedee")
        document.set("/children/0/familyName", "Quillfeather\u{0}")
        document.set("/children/1/givenName", String(repeating: "Zebedee", count: 40))
        document.set("/children/1/dateOfBirth", "2099-01-01")
        document.set("/children/1/postcode", "SL1 2CB")
        document.set("/children/1/upn", "A801200005001")
        document.set("/children/1/gender", "Zebedee")
        document.set("/household/0/name", RawJSON(text: "[\"Quillfeather\"]"))
        document.set("/household/0/relationship", "Zebedee's mother")
        document.set("/referrer/email", "not-an-email")
        document.set("/referrer/phone", "call me")
        document.set("/consent", "maybe")
        document.set("/children/0/favouriteColour", "Marmalade")
        let rejection = try reject(document)
        #expect(rejection.kind == .wrongShape)
        #expect(
            pointers(rejection.problems).sorted() == [
                "/children/0/dateOfBirth", "/children/0/familyName", "/children/0/favouriteColour", "/children/0/nhsNumber",
                "/children/1/dateOfBirth", "/children/1/familyName", "/children/1/gender", "/children/1/givenName",
                "/children/1/postcode", "/children/1/upn", "/concerns/0/category", "/consent", "/household/0/name",
                "/immediateDanger", "/reference", "/referrer/email", "/referrer/phone",
            ]
        )
        for problem in rejection.problems {
            for secret in secrets {
                #expect(!problem.detail.contains(secret), "\(problem) echoes \(secret)")
            }
        }
    }

    @Test func warningsDoNotEchoSubmittedValues() throws {
        var document = validDocument()
        document.set("/children/0/givenName", "Zebedee")
        document.set("/children/0/familyName", "Quillfeather")
        document.remove("/children/0/nhsNumber")
        document.set("/children/0/dateOfBirth", "2005-01-01")
        document.set("/concerns/0/detail", "Zebedee Quillfeather hurt")
        document.remove("/consent")
        let accepted = try accept(document, agencyKind: .police)
        #expect(accepted.warnings.count == 4)
        for warning in accepted.warnings {
            #expect(!warning.detail.contains("Zebedee"))
            #expect(!warning.detail.contains("Quillfeather"))
        }
    }

    @Test func problemDescriptions() throws {
        let problem = DocumentProblem(pointer: JSONPointer.root.appending("children").appending(0), detail: "must be an object")
        #expect(problem.pointer == "/children/0")
        #expect(problem.description == "/children/0: must be an object")
        #expect(DocumentProblem(pointer: .root, detail: "x").description == "(document): x")
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(problem)) as? [String: String]
        #expect(encoded == ["pointer": "/children/0", "detail": "must be an object"])
    }
}

// MARK: - Shape

@Suite("ReferralValidator: shape")
struct ShapeTests {
    @Test(arguments: [
        "/children/0/favouriteColour", "/colour", "/referrer/badge", "/concerns/0/severity", "/household/0/age", "/a~1b", "/m~0n",
    ])
    func unknownFieldsAreWrongShape(_ pointer: String) throws {
        let rejection = try reject(validDocument(setting: pointer, to: "blue"))
        #expect(rejection.kind == .wrongShape)
        #expect(pointers(rejection.problems) == [pointer])
    }

    @Test(arguments: [
        ("/immediateDanger", #""no""#, "/immediateDanger"),
        ("/immediateDanger", "0", "/immediateDanger"),
        ("/reference", "123", "/reference"),
        ("/kind", "true", "/kind"),
        ("/submittedAt", "1795425300", "/submittedAt"),
        ("/referrerAnonymous", #""false""#, "/referrerAnonymous"),
        ("/referrer", #""PC Jane Smith""#, "/referrer"),
        ("/referrer/name", #"{"first": "Jane"}"#, "/referrer/name"),
        ("/children", "{}", "/children"),
        ("/children/0", #""Amira""#, "/children/0"),
        ("/children/0/nhsNumber", "9434765919", "/children/0/nhsNumber"),
        ("/children/0/dateOfBirth", "20160402", "/children/0/dateOfBirth"),
        ("/children/0/interpreterNeeded", #""yes""#, "/children/0/interpreterNeeded"),
        ("/children/0/otherNames", #""Ami""#, "/children/0/otherNames"),
        ("/children/0/otherNames", #"["Ami", 1]"#, "/children/0/otherNames/1"),
        ("/household", "{}", "/household"),
        ("/household/0", "[]", "/household/0"),
        ("/household/0/parentalResponsibility", #""yes""#, "/household/0/parentalResponsibility"),
        ("/concerns/0", "[]", "/concerns/0"),
        ("/concerns/0/detail", #"["a"]"#, "/concerns/0/detail"),
    ])
    func wrongTypesAreWrongShape(_ pointer: String, _ json: String, _ expected: String) throws {
        let rejection = try reject(validDocument(setting: pointer, to: RawJSON(text: json)))
        #expect(pointers(rejection.problems) == [expected])
        #expect(rejection.kind == .wrongShape)
    }

    @Test func shapeAndValueProblemsTogetherAreWrongShapeAndAllListed() throws {
        var document = validDocument()
        document.set("/children/0/favouriteColour", "blue")
        document.set("/children/0/nhsNumber", "9434765918")
        document.set("/immediateDanger", "no")
        let rejection = try reject(document)
        #expect(rejection.kind == .wrongShape)
        #expect(pointers(rejection.problems).sorted() == ["/children/0/favouriteColour", "/children/0/nhsNumber", "/immediateDanger"])
    }

    @Test(arguments: ["[]", "null", #""a referral""#, "42", "true", #"[{"reference": "R1"}]"#])
    func aDocumentThatIsNotAnObjectIsWrongShape(_ text: String) throws {
        let rejection = try reject(Array(text.utf8))
        #expect(rejection.kind == .wrongShape)
        #expect(pointers(rejection.problems) == [""])
    }

    @Test(arguments: [
        Array("".utf8), Array("{".utf8), Array("not json".utf8), Array(#"{"reference": }"#.utf8), Array("{'reference': 'R1'}".utf8),
        Array(#"{"reference": "R1",}"#.utf8), [0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D],
        Array(String(repeating: "[", count: 100_000).utf8),
    ])
    func nonJSONIsMalformed(_ body: [UInt8]) throws {
        let rejection = try reject(body)
        #expect(rejection.kind == .malformed)
        #expect(rejection.problems.count == 1)
        #expect(rejection.problems.first?.pointer == "")
        #expect(rejection.problems.first?.detail.hasPrefix("malformed JSON at byte ") == true)
    }

    @Test func hugeNestingIsMalformedNotACrash() throws {
        let rejection = try reject([UInt8](repeating: UInt8(ascii: "["), count: 100_000))
        #expect(rejection.kind == .malformed)
        #expect(pointers(rejection.problems) == [""])
    }

    @Test func duplicateKeysAreMalformed() throws {
        let body = "{\"reference\":\"OTHER\"," + String(write(validDocument()).dropFirst())
        let rejection = try reject(Array(body.utf8))
        #expect(rejection.kind == .malformed)
        #expect(pointers(rejection.problems) == [""])
        let named = try reject(Array(#"{"Zebedee": 1, "Zebedee": 2}"#.utf8))
        #expect(named.kind == .malformed)
        #expect(named.problems.count == 1)
        #expect(named.problems.first?.detail.contains("Zebedee") == false)
    }

    @Test func nestingIsLimited() throws {
        // The document object is level 1, so 15 more levels are allowed (and the field is unknown) ...
        let fifteen = String(repeating: "[", count: 15) + String(repeating: "]", count: 15)
        let allowed = try reject(validDocument(setting: "/extra", to: RawJSON(text: fifteen)))
        #expect(allowed.kind == .wrongShape)
        #expect(pointers(allowed.problems) == ["/extra"])
        // ... and 16 more are not JSON this validator will read.
        let sixteen = String(repeating: "[", count: 16) + String(repeating: "]", count: 16)
        let refused = try reject(validDocument(setting: "/extra", to: RawJSON(text: sixteen)))
        #expect(refused.kind == .malformed)
        #expect(pointers(refused.problems) == [""])
    }
}

// MARK: - Required fields and values

@Suite("ReferralValidator: required fields and values")
struct RequiredFieldTests {
    @Test(arguments: ["/reference", "/referrer", "/referrer/name", "/children", "/concerns", "/immediateDanger", "/concerns/0/category"])
    func missingRequiredFields(_ pointer: String) throws {
        let rejection = try reject(validDocument(removing: pointer))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == [pointer])
    }

    @Test(arguments: ["/reference", "/referrer", "/referrer/name", "/children", "/concerns", "/immediateDanger", "/concerns/0/category"])
    func nullRequiredFields(_ pointer: String) throws {
        let rejection = try reject(validDocument(setting: pointer, to: NSNull()))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == [pointer])
    }

    @Test(arguments: [("/reference", ""), ("/reference", "   "), ("/referrer/name", ""), ("/referrer/name", " \t "),
                      ("/referrer/name", "\u{A0}\u{2003}\u{3000}"), ("/concerns/0/category", "")])
    func blankRequiredStrings(_ pointer: String, _ value: String) throws {
        let rejection = try reject(validDocument(setting: pointer, to: value))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == [pointer])
    }

    @Test func blankMeansWhiteSpaceScalarByScalar() throws {
        // As a JSON Schema pattern (so docs/openapi.json) sees it: a combining mark
        // on a space is a mark, not white space.
        _ = try accept(validDocument(setting: "/referrer/name", to: " \u{301}"))
        _ = try accept(validDocument(setting: "/children/0/familyName", to: " \u{301}"))
    }

    @Test func whiteSpaceIsUnicodesWhiteSpaceForEveryScalar() {
        // The ASCII shortcut must agree with the property table everywhere.
        let disagreeing = (0...0x10FFFF).compactMap(Unicode.Scalar.init).filter { $0.isWhiteSpace != $0.properties.isWhitespace }
        #expect(disagreeing.isEmpty, "\(disagreeing.map { String($0.value, radix: 16) })")
    }

    @Test(arguments: ["TVP 123", "TVP#1", "réf-1", "a,b", "TVP\t1", "TVP-1\n", "😀"])
    func referenceWithBadCharacters(_ reference: String) throws {
        let rejection = try reject(validDocument(setting: "/reference", to: reference))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == ["/reference"])
    }

    @Test func referrerWithoutPhoneOrEmail() throws {
        let rejection = try reject(validDocument(removing: "/referrer/phone", "/referrer/email"))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == ["/referrer/phone"])
    }

    @Test(arguments: ["call me", "123", "12345a7890", "+44 1865 123456 1234", "01865.123456", ""])
    func badPhoneNumbers(_ phone: String) throws {
        let rejection = try reject(validDocument(setting: "/referrer/phone", to: phone))
        #expect(pointers(rejection.problems) == ["/referrer/phone"])
    }

    @Test(arguments: ["jane", "jane@", "@example.org", "jane@example", "jane smith@example.org", "jane@example..org", "a@b@c.d", ""])
    func badEmailAddresses(_ email: String) throws {
        let rejection = try reject(validDocument(setting: "/referrer/email", to: email))
        #expect(pointers(rejection.problems) == ["/referrer/email"])
    }

    @Test(arguments: [
        ("/kind", "update"), ("/familyInformed", "dunno"), ("/consent", "maybe"), ("/policeRiskGrade", "low"),
        ("/receivedBy", "fax"), ("/children/0/gender", "boy"), ("/concerns/0/category", "fishing"),
        ("/concerns/0/category", "Neglect"), ("/consent", "Given"),
    ])
    func unknownEnumerationValues(_ pointer: String, _ value: String) throws {
        let rejection = try reject(validDocument(setting: pointer, to: value))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == [pointer])
        #expect(rejection.problems.first?.detail.hasPrefix("must be one of: ") == true)
    }

    @Test(arguments: [
        ("/children/0/nhsNumber", "9434765918"), ("/children/0/nhsNumber", "943476591"), ("/children/0/nhsNumber", ""),
        ("/children/0/upn", "A801200005001"), ("/children/0/upn", "B80120000500"),
        ("/children/0/postcode", "SL1 2CB"), ("/children/0/postcode", "123 456"),
        ("/children/0/dateOfBirth", "2016-02-30"), ("/children/0/dateOfBirth", "02/04/2016"), ("/children/0/dateOfBirth", "2016-4-2"),
        ("/children/0/dateOfBirth", ""),
        ("/household/0/dateOfBirth", "1990-02-30"),
        ("/submittedAt", "2026-11-23T09:15:00"), ("/submittedAt", "yesterday"), ("/submittedAt", "2026-02-30T09:15:00Z"),
    ])
    func badlyFormattedValuesAreReportedOnce(_ pointer: String, _ value: String) throws {
        let rejection = try reject(validDocument(setting: pointer, to: value))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == [pointer])
    }

    @Test func familyNameIsRequiredUnlessUnborn() throws {
        let rejection = try reject(validDocument(removing: "/children/0/familyName"))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == ["/children/0/familyName"])
    }

    @Test(arguments: ["", "   "])
    func blankFamilyNameIsNoFamilyName(_ name: String) throws {
        let rejection = try reject(validDocument(setting: "/children/0/familyName", to: name))
        #expect(pointers(rejection.problems) == ["/children/0/familyName"])
    }

    @Test func aDateOfBirthOrDueDateIsRequired() throws {
        let rejection = try reject(validDocument(removing: "/children/0/dateOfBirth"))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == ["/children/0/dateOfBirth"])
    }
}

// MARK: - Limits

@Suite("ReferralValidator: limits")
struct LimitTests {
    @Test func twentyChildrenAreAcceptedButNotTwentyOne() throws {
        let twenty = try accept(validDocument(setting: "/children", to: Array(repeating: validChild(), count: 20)))
        #expect(twenty.referral.children.count == 20)
        let rejection = try reject(validDocument(setting: "/children", to: Array(repeating: validChild(), count: 21)))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == ["/children"])
        #expect(rejection.problems.first?.detail == "must hold 1 to 20 entries, not 21")
    }

    @Test func noChildren() throws {
        let rejection = try reject(validDocument(setting: "/children", to: [Any]()))
        #expect(pointers(rejection.problems) == ["/children"])
    }

    @Test func oneToThirtyConcerns() throws {
        let concern: [String: Any] = ["category": "neglect", "detail": fullDetail]
        let thirty = try accept(validDocument(setting: "/concerns", to: Array(repeating: concern, count: 30)))
        #expect(thirty.referral.concerns.count == 30)
        for count in [0, 31] {
            let rejection = try reject(validDocument(setting: "/concerns", to: Array(repeating: concern, count: count)))
            #expect(rejection.kind == .invalid)
            #expect(pointers(rejection.problems) == ["/concerns"])
        }
    }

    @Test func householdAndOtherNamesAreBounded() throws {
        let member: [String: Any] = ["name": "Sara Khan"]
        let household = Array(repeating: member, count: 30)
        #expect(try accept(validDocument(setting: "/household", to: household)).referral.household.count == 30)
        let tooMany = validDocument(setting: "/household", to: household + [member])
        #expect(pointers(try reject(tooMany).problems) == ["/household"])
        let otherNames = Array(repeating: "Ami", count: 10)
        #expect(try accept(validDocument(setting: "/children/0/otherNames", to: otherNames)).referral.children[0].otherNames.count == 10)
        #expect(
            pointers(try reject(validDocument(setting: "/children/0/otherNames", to: Array(repeating: "Ami", count: 11))).problems)
                == ["/children/0/otherNames"]
        )
    }

    @Test(arguments: ["/concerns/0/detail", "/childViews", "/confidentialFromFamily"])
    func freeTextUpToTenThousandCharacters(_ pointer: String) throws {
        _ = try accept(validDocument(setting: pointer, to: String(repeating: "a", count: 10_000)))
        // Characters, not bytes: 10,000 two-byte letters are fine.
        _ = try accept(validDocument(setting: pointer, to: String(repeating: "é", count: 10_000)))
        let rejection = try reject(validDocument(setting: pointer, to: String(repeating: "a", count: 10_001)))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == [pointer])
        #expect(rejection.problems.first?.detail == "is longer than 10000 characters")
    }

    @Test(arguments: [
        ("/reference", 64), ("/referrer/name", 200), ("/referrer/organisation", 200), ("/children/0/givenName", 200),
        ("/children/0/familyName", 200), ("/children/0/address", 1_000), ("/childLocation", 1_000), ("/household/0/name", 200),
    ])
    func shorterTextLimits(_ pointer: String, _ limit: Int) throws {
        _ = try accept(validDocument(setting: pointer, to: String(repeating: "a", count: limit)))
        let rejection = try reject(validDocument(setting: pointer, to: String(repeating: "a", count: limit + 1)))
        #expect(pointers(rejection.problems) == [pointer])
    }

    @Test(arguments: [
        "/children/0/givenName", "/children/0/familyName", "/concerns/0/detail", "/referrer/name", "/childLocation",
        "/childViews", "/reference", "/household/0/name",
    ])
    func textContainingNULIsRefused(_ pointer: String) throws {
        let rejection = try reject(validDocument(setting: pointer, to: "Am\u{0}ira"))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == [pointer])
        #expect(rejection.problems.first?.detail == "must not contain NUL characters")
    }

    @Test func nulInOtherNames() throws {
        let rejection = try reject(validDocument(setting: "/children/0/otherNames", to: ["Ami", "A\u{0}"]))
        #expect(pointers(rejection.problems) == ["/children/0/otherNames/1"])
    }

    @Test func limitsCanBeChanged() throws {
        var limits = ReferralValidator.Limits()
        limits.children = 1...2
        limits.maxFreeText = 100
        let validator = ReferralValidator(limits: limits)
        let rejection = try reject(validDocument(setting: "/children", to: Array(repeating: validChild(), count: 3)), validator: validator)
        #expect(pointers(rejection.problems) == ["/children"])
        let long = try reject(validDocument(setting: "/childViews", to: String(repeating: "a", count: 101)), validator: validator)
        #expect(pointers(long.problems) == ["/childViews"])
    }
}

// MARK: - Dates and times

@Suite("ReferralValidator: dates and times")
struct DateTests {
    @Test func dateOfBirthInTheFuture() throws {
        let rejection = try reject(validDocument(setting: "/children/0/dateOfBirth", to: "2026-11-24"))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == ["/children/0/dateOfBirth"])
        #expect(rejection.problems.first?.detail == "is in the future")
    }

    @Test func bornTodayIsFine() throws {
        let child = try accept(validDocument(setting: "/children/0/dateOfBirth", to: "2026-11-23")).referral.children[0]
        #expect(child.dateOfBirth == CalendarDate(year: 2026, month: 11, day: 23))
    }

    @Test func todayIsJudgedInTheValidatorsTimeZone() throws {
        // 23:30 UTC on 30 June is already 1 July in London.
        let lateEvening = Date(timeIntervalSince1970: 1_782_862_200)
        #expect(RFC3339.format(lateEvening) == "2026-06-30T23:30:00.000000Z")
        var document = validDocument()
        document.set("/children/0/dateOfBirth", "2026-07-01")
        document.remove("/submittedAt")
        _ = try accept(document, at: lateEvening)
        let utc = ReferralValidator(timeZone: TimeZone(identifier: "UTC")!)
        #expect(pointers(try reject(document, at: lateEvening, validator: utc).problems) == ["/children/0/dateOfBirth"])
    }

    @Test func moreThanTwentyFiveYearsAgoIsNotAChild() throws {
        let rejection = try reject(validDocument(setting: "/children/0/dateOfBirth", to: "2000-11-23"))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == ["/children/0/dateOfBirth"])
        // Twenty-five is only a warning.
        let accepted = try accept(validDocument(setting: "/children/0/dateOfBirth", to: "2000-11-24"))
        #expect(pointers(accepted.warnings) == ["/children/0/dateOfBirth"])
    }

    @Test func householdDateOfBirthInTheFuture() throws {
        let rejection = try reject(validDocument(setting: "/household/0/dateOfBirth", to: "2026-11-24"))
        #expect(pointers(rejection.problems) == ["/household/0/dateOfBirth"])
    }

    @Test(arguments: [
        ("2026-11-23T10:10:00Z", false),  // 10 minutes ahead
        ("2026-11-23T10:05:01Z", false),  // just over the allowed skew
        ("2026-11-23T11:05:00+01:00", true),  // exactly 5 minutes ahead
        ("2026-11-23T10:02:00Z", true),  // 2 minutes ahead
        ("2026-11-23T10:00:00Z", true),
        ("2026-11-23T11:02:00+01:00", true),
        ("2020-01-01T00:00:00Z", true),
    ])
    func submittedAtMayBeOnlySlightlyAhead(_ submittedAt: String, _ acceptable: Bool) throws {
        let document = validDocument(setting: "/submittedAt", to: submittedAt)
        if acceptable {
            #expect(try accept(document).referral.submittedAt == RFC3339.parse(submittedAt))
        } else {
            let rejection = try reject(document)
            #expect(rejection.kind == .invalid)
            #expect(pointers(rejection.problems) == ["/submittedAt"])
            #expect(rejection.problems.first?.detail == "is in the future")
        }
    }
}

// MARK: - Unborn children

@Suite("ReferralValidator: unborn children")
struct UnbornTests {
    static func unborn() -> [String: Any] {
        var document = validDocument()
        for pointer in ["/children/0/familyName", "/children/0/givenName", "/children/0/dateOfBirth", "/children/0/nhsNumber",
                        "/children/0/upn", "/children/0/school"]
        {
            document.remove(pointer)
        }
        document.set("/children/0/gender", "unborn")
        document.set("/children/0/expectedDueDate", "2027-03-01")
        return document
    }

    @Test func unbornWithDueDateAndNoFamilyNameIsAccepted() throws {
        let accepted = try accept(Self.unborn())
        // No NHS number warning for a baby not yet born.
        #expect(accepted.warnings == [])
        let child = try #require(accepted.referral.children.first)
        #expect(child.isUnborn)
        #expect(child.gender == .unborn)
        #expect(child.familyName == nil)
        #expect(child.dateOfBirth == nil)
        #expect(child.expectedDueDate == CalendarDate(year: 2027, month: 3, day: 1))
    }

    @Test func unbornWithADateOfBirthIsRefused() throws {
        var document = Self.unborn()
        document.remove("/children/0/expectedDueDate")
        document.set("/children/0/dateOfBirth", "2026-11-01")
        let rejection = try reject(document)
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == ["/children/0/dateOfBirth"])
    }

    @Test func unbornWithoutAnyDateIsRefused() throws {
        var document = Self.unborn()
        document.remove("/children/0/expectedDueDate")
        #expect(pointers(try reject(document).problems) == ["/children/0/dateOfBirth"])
    }

    @Test func bothDateOfBirthAndDueDateAreRefused() throws {
        let rejection = try reject(validDocument(setting: "/children/0/expectedDueDate", to: "2027-03-01"))
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == ["/children/0/expectedDueDate"])
        var unborn = Self.unborn()
        unborn.set("/children/0/dateOfBirth", "2026-11-01")
        #expect(pointers(try reject(unborn).problems) == ["/children/0/expectedDueDate"])
    }

    @Test func dueDateAtMostTenMonthsAhead() throws {
        // 2026-11-23 + 10 months = 2027-09-23.
        var document = Self.unborn()
        document.set("/children/0/expectedDueDate", "2027-09-23")
        _ = try accept(document)
        document.set("/children/0/expectedDueDate", "2027-09-24")
        let rejection = try reject(document)
        #expect(rejection.kind == .invalid)
        #expect(pointers(rejection.problems) == ["/children/0/expectedDueDate"])
        document.set("/children/0/expectedDueDate", "2028-11-23")
        #expect(pointers(try reject(document).problems) == ["/children/0/expectedDueDate"])
    }

    @Test func dueDateLongPastIsAWarning() throws {
        var document = Self.unborn()
        document.set("/children/0/expectedDueDate", "2026-10-01")
        #expect(pointers(try accept(document).warnings) == ["/children/0/expectedDueDate"])
        // Within a month of the due date is normal.
        document.set("/children/0/expectedDueDate", "2026-11-01")
        #expect(try accept(document).warnings == [])
    }
}

// MARK: - Warnings

@Suite("ReferralValidator: warnings")
struct WarningTests {
    @Test func missingNHSNumber() throws {
        let accepted = try accept(validDocument(removing: "/children/0/nhsNumber"))
        #expect(pointers(accepted.warnings) == ["/children/0/nhsNumber"])
        #expect(accepted.referral.children[0].nhsNumber == nil)
    }

    @Test func missingNHSNumberOnTheSecondChild() throws {
        var second = validChild()
        second.remove("/nhsNumber")
        let accepted = try accept(validDocument(setting: "/children", to: [validChild(), second]))
        #expect(pointers(accepted.warnings) == ["/children/1/nhsNumber"])
    }

    @Test(arguments: ["", "Bruise", String(repeating: "x", count: 39)])
    func shortConcernDetail(_ detail: String) throws {
        let accepted = try accept(validDocument(setting: "/concerns/0/detail", to: detail))
        #expect(pointers(accepted.warnings) == ["/concerns/0/detail"])
    }

    @Test func missingConcernDetail() throws {
        #expect(pointers(try accept(validDocument(removing: "/concerns/0/detail")).warnings) == ["/concerns/0/detail"])
    }

    @Test func fortyCharactersIsEnoughDetail() throws {
        #expect(try accept(validDocument(setting: "/concerns/0/detail", to: String(repeating: "x", count: 40))).warnings == [])
    }

    @Test func missingConsent() throws {
        #expect(pointers(try accept(validDocument(removing: "/consent")).warnings) == ["/consent"])
    }

    @Test func missingFamilyInformed() throws {
        #expect(pointers(try accept(validDocument(removing: "/familyInformed")).warnings) == ["/familyInformed"])
    }

    @Test func policeReferralWithoutRiskGrade() throws {
        let document = validDocument(removing: "/policeRiskGrade")
        #expect(pointers(try accept(document, agencyKind: .police).warnings) == ["/policeRiskGrade"])
    }

    @Test(arguments: [AgencyKind?.none] + AgencyKind.allCases.filter { $0 != .police }.map(Optional.some))
    func onlyPoliceAreAskedForARiskGrade(_ kind: AgencyKind?) throws {
        #expect(try accept(validDocument(removing: "/policeRiskGrade"), agencyKind: kind).warnings == [])
    }

    @Test func educationReferralForASchoolAgeChildWithoutUPN() throws {
        let document = validDocument(removing: "/children/0/upn")
        #expect(pointers(try accept(document, agencyKind: .education).warnings) == ["/children/0/upn"])
        #expect(try accept(document, agencyKind: .health).warnings == [])
        #expect(try accept(document).warnings == [])
    }

    @Test(arguments: [("2022-11-24", false), ("2022-11-23", true), ("2008-11-24", true)])
    func schoolAgeForTheUPNWarning(_ dateOfBirth: String, _ warned: Bool) throws {
        var document = validDocument(removing: "/children/0/upn")
        document.set("/children/0/dateOfBirth", dateOfBirth)
        let warnings = try accept(document, agencyKind: .education).warnings
        #expect(pointers(warnings) == (warned ? ["/children/0/upn"] : []))
    }

    @Test(arguments: [("2008-11-23", true), ("2008-11-24", false), ("2001-01-01", true)])
    func childAgedEighteenOrOver(_ dateOfBirth: String, _ warned: Bool) throws {
        let accepted = try accept(validDocument(setting: "/children/0/dateOfBirth", to: dateOfBirth))
        #expect(pointers(accepted.warnings) == (warned ? ["/children/0/dateOfBirth"] : []))
    }

    @Test func eighteenYearOldAtSchoolDrawsOnlyTheAgeWarning() throws {
        var document = validDocument(removing: "/children/0/upn")
        document.set("/children/0/dateOfBirth", "2008-11-23")
        #expect(pointers(try accept(document, agencyKind: .education).warnings) == ["/children/0/dateOfBirth"])
    }

    @Test func noPostcodeOrAddress() throws {
        let nowhere = validDocument(removing: "/children/0/postcode", "/children/0/address")
        #expect(pointers(try accept(nowhere).warnings) == ["/children/0/postcode"])
        #expect(try accept(validDocument(removing: "/children/0/postcode")).warnings == [])
        #expect(try accept(validDocument(removing: "/children/0/address")).warnings == [])
    }

    @Test func manyWarningsNeverBlockAndAreAllListed() throws {
        var document = validDocument()
        var second = validChild()
        second.remove("/nhsNumber")
        second.remove("/upn")
        second.set("/dateOfBirth", "2019-05-05")
        document.set("/children", [validChild(), second])
        document.remove("/children/0/nhsNumber")
        document.set("/children/0/dateOfBirth", "2007-01-01")
        document.set("/concerns", [["category": "neglect", "detail": "Bruise"], ["category": "missing"]])
        document.remove("/consent")
        document.remove("/familyInformed")
        document.remove("/policeRiskGrade")
        let police = try accept(document, agencyKind: .police)
        #expect(
            pointers(police.warnings).sorted() == [
                "/children/0/dateOfBirth", "/children/0/nhsNumber", "/children/1/nhsNumber", "/concerns/0/detail",
                "/concerns/1/detail", "/consent", "/familyInformed", "/policeRiskGrade",
            ]
        )
        #expect(police.warnings.allSatisfy { !$0.detail.isEmpty })
        let education = try accept(document, agencyKind: .education)
        #expect(
            pointers(education.warnings).sorted() == [
                "/children/0/dateOfBirth", "/children/0/nhsNumber", "/children/1/nhsNumber", "/children/1/upn",
                "/concerns/0/detail", "/concerns/1/detail", "/consent", "/familyInformed",
            ]
        )
    }

    @Test func aBadValueIsAProblemNotAlsoAWarning() throws {
        let rejection = try reject(validDocument(setting: "/children/0/nhsNumber", to: "9434765918"))
        #expect(pointers(rejection.problems) == ["/children/0/nhsNumber"])
    }
}

@Suite("ReferralValidator: updates")
struct UpdateValidatorTests {
    let validator = ReferralValidator()
    let now = RFC3339.parse("2026-11-23T10:00:00Z")!

    func validate(_ text: String) -> Result<ReferralUpdate, ReferralRejection> {
        validator.validateUpdate(Array(text.utf8), receivedAt: now)
    }

    @Test func aCompleteUpdateIsRead() throws {
        let update = try validate(#"{"reference": "U-1", "concerns": [{"category": "physical_abuse", "detail": "Bruising seen at school."}], "immediateDanger": true, "detail": "Written follow-up to the phone call."}"#).get()
        #expect(update == ReferralUpdate(
            reference: "U-1", concerns: [Concern(category: .physicalAbuse, detail: "Bruising seen at school.")],
            immediateDanger: true, detail: "Written follow-up to the phone call."
        ))
        let minimal = try validate(#"{"reference": "U-2", "concerns": [], "detail": "Nothing new about the concerns."}"#).get()
        #expect(minimal.immediateDanger == nil && minimal.concerns.isEmpty)
    }

    @Test func everyProblemIsListedByPointer() {
        guard case .failure(let rejection) = validate(#"{"reference": "no spaces", "concerns": [{"category": "nope"}, 3], "immediateDanger": "yes", "detail": "   ", "extra": 1}"#) else {
            Issue.record("should be refused")
            return
        }
        #expect(Set(rejection.problems.map(\.pointer)) == ["/reference", "/concerns/0/category", "/concerns/1", "/immediateDanger", "/detail", "/extra"])
        guard case .failure(let missing) = validate("{}") else {
            Issue.record("should be refused")
            return
        }
        #expect(Set(missing.problems.map(\.pointer)) == ["/reference", "/concerns", "/detail"])
        guard case .failure(let malformed) = validate(#"{"reference": "#) else {
            Issue.record("should be refused")
            return
        }
        #expect(malformed.kind == .malformed)
    }
}
