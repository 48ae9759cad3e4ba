import Foundation

/// Checks a submitted referral document (CONTRACT §3) and turns it into a `Referral`,
/// listing every problem found rather than stopping at the first. Pure: the time
/// and the sending agency's kind are passed in.
public struct ReferralValidator: Sendable {
    /// Bounds on what a document may hold. Documented in docs/API.md.
    public struct Limits: Sendable {
        public var maxDepth = 16
        public var maxFreeText = 10_000
        public var maxName = 200
        public var maxShortText = 1_000
        public var children = 1...20
        public var concerns = 1...30
        public var household = 0...30
        public var otherNames = 0...10
        public init() {}
    }

    public var limits: Limits
    /// Where "today" and "in the future" are judged.
    public var timeZone: TimeZone
    /// How far ahead of our clock a sender's `submittedAt` may be.
    public var clockSkew: TimeInterval = 300

    public init(limits: Limits = Limits(), timeZone: TimeZone = TimeZone(identifier: "Europe/London")!) {
        self.limits = limits
        self.timeZone = timeZone
    }

    /// A referral that passed every check, with quality feedback for the referrer.
    public struct Accepted: Sendable {
        public let referral: Referral
        public let warnings: [DocumentProblem]
    }

    /// True when `reference` uses only letters, digits and . _ : / -
    static func isReference(_ reference: String) -> Bool {
        reference.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "-"): true
            default: false
            }
        }
    }

    public func validate(_ body: [UInt8], receivedAt now: Date, agencyKind: AgencyKind? = nil) -> Result<Accepted, ReferralRejection> {
        read(body, receivedAt: now, agencyKind: agencyKind) { run, json in
            run.referral(json).map { Accepted(referral: $0, warnings: run.warnings) }
        }
    }

    /// Parses `body` and reads it with `document`; any problem refuses it, with
    /// every problem listed.
    private func read<Document>(
        _ body: [UInt8], receivedAt now: Date, agencyKind: AgencyKind?, _ document: (inout ValidationRun, JSONValue) -> Document?
    ) -> Result<Document, ReferralRejection> {
        var run = ValidationRun(validator: self, today: CalendarDate(now, in: timeZone), now: now, agencyKind: agencyKind)
        return readDocument(body, maxDepth: limits.maxDepth, problems: run.problems) { document(&run, $0) }
    }
}

extension ReferralValidator {
    /// Bounds on an update: as many new concerns as a referral may hold, and its
    /// detail as long as any free text.
    public var updateConcerns: ClosedRange<Int> { 0...limits.concerns.upperBound }

    /// Reads an update (CONTRACT §2, `POST /v1/referrals/{id}/updates`):
    /// `{"reference", "concerns": [...], "immediateDanger"?, "detail"}`, every
    /// problem listed as for a referral.
    public func validateUpdate(_ body: [UInt8], receivedAt now: Date) -> Result<ReferralUpdate, ReferralRejection> {
        read(body, receivedAt: now, agencyKind: nil) { run, json in run.update(json) }
    }
}

/// The state of one validation: problems, warnings and the moment it is judged at.
private struct ValidationRun {
    let validator: ReferralValidator
    let today: CalendarDate
    let now: Date
    let agencyKind: AgencyKind?
    let problems = ProblemList()
    var warnings: [DocumentProblem] = []

    init(validator: ReferralValidator, today: CalendarDate, now: Date, agencyKind: AgencyKind?) {
        self.validator = validator
        self.today = today
        self.now = now
        self.agencyKind = agencyKind
    }

    var limits: ReferralValidator.Limits { validator.limits }

    mutating func warn(_ pointer: JSONPointer, _ detail: String) {
        warnings.append(DocumentProblem(pointer: pointer, detail: detail))
    }

    mutating func referral(_ json: JSONValue) -> Referral? {
        guard var document = problems.object(json, at: .root) else { return nil }
        let reference = self.reference(in: &document)
        let kind = document.enumeration("kind", Referral.Kind.self) ?? .referral
        let submittedAt = document.formatted("submittedAt", format: "an RFC 3339 time with an offset, e.g. 2026-11-23T09:15:00Z", RFC3339.parse)
        if let submittedAt, submittedAt.timeIntervalSince(now) > validator.clockSkew {
            problems.invalid(JSONPointer.root.appending("submittedAt"), "is in the future")
        }
        let referrer = document.object("referrer", required: true).flatMap { self.referrer($0) }
        let children = document.array("children", required: true, count: limits.children)?.compactMap { child($0.value, at: $0.pointer) }
        let household = document.array("household", count: limits.household)?.compactMap { member($0.value, at: $0.pointer) } ?? []
        let concerns = document.array("concerns", required: true, count: limits.concerns)?.compactMap { concern($0.value, at: $0.pointer) }
        let immediateDanger = document.bool("immediateDanger", required: true)
        let childLocation = document.string("childLocation", maxLength: limits.maxShortText)
        let familyInformed = document.enumeration("familyInformed", Referral.FamilyInformed.self)
        let consent = document.enumeration("consent", Referral.Consent.self)
        let childViews = document.string("childViews", maxLength: limits.maxFreeText)
        let confidential = document.string("confidentialFromFamily", maxLength: limits.maxFreeText)
        let anonymous = document.bool("referrerAnonymous") ?? false
        let riskGrade = document.enumeration("policeRiskGrade", Referral.PoliceRiskGrade.self)
        let receivedBy = document.enumeration("receivedBy", Referral.ReceivedBy.self)
        document.finish()

        if consent == nil {
            warn(JSONPointer.root.appending("consent"), "consent is not recorded: say whether it was given, refused, not sought or not required")
        }
        if familyInformed == nil {
            warn(JSONPointer.root.appending("familyInformed"), "say whether the family knows about this referral")
        }
        if agencyKind == .police && riskGrade == nil {
            warn(JSONPointer.root.appending("policeRiskGrade"), "police referrals should carry the force's risk grade")
        }
        guard let reference, let referrer, let children, let concerns, let immediateDanger else { return nil }
        return Referral(
            reference: reference, kind: kind, submittedAt: submittedAt, referrer: referrer,
            children: children, household: household, concerns: concerns, immediateDanger: immediateDanger,
            childLocation: childLocation, familyInformed: familyInformed, consent: consent, childViews: childViews,
            confidentialFromFamily: confidential, referrerAnonymous: anonymous, policeRiskGrade: riskGrade, receivedBy: receivedBy
        )
    }

    mutating func update(_ json: JSONValue) -> ReferralUpdate? {
        guard var document = problems.object(json, at: .root) else { return nil }
        let reference = self.reference(in: &document)
        let concerns = document.array("concerns", required: true, count: validator.updateConcerns)?.compactMap { concern($0.value, at: $0.pointer) }
        let immediateDanger = document.bool("immediateDanger")
        let detail = document.string("detail", required: true, maxLength: limits.maxFreeText)
        document.finish()
        if let detail, detail.isBlank, !document.hasProblem(at: "detail") {
            problems.invalid(JSONPointer.root.appending("detail"), "is blank: say what has changed")
        }
        guard let reference, let concerns, let detail else { return nil }
        return ReferralUpdate(reference: reference, concerns: concerns, immediateDanger: immediateDanger, detail: detail)
    }

    /// The document's `reference`: required, at most 64 characters of letters, digits and . _ : / -
    private func reference(in document: inout ObjectReader) -> String? {
        let reference = document.string("reference", required: true, maxLength: 64)
        if let reference, !ReferralValidator.isReference(reference) {
            problems.invalid(JSONPointer.root.appending("reference"), "may use only letters, digits and . _ : / -")
        }
        return reference
    }

    mutating func referrer(_ object: ObjectReader) -> Referrer? {
        var object = object
        let name = object.string("name", required: true, maxLength: limits.maxName)
        let role = object.string("role", maxLength: limits.maxName)
        let organisation = object.string("organisation", maxLength: limits.maxName)
        let phone = object.string("phone", maxLength: 40)
        let email = object.string("email", maxLength: 254)
        object.finish()
        if let phone, !Self.isPhoneNumber(phone) {
            problems.invalid(object.pointer.appending("phone"), "must be a phone number: 7 to 15 digits, optionally with spaces, +, - and brackets")
        }
        if let email, !Self.isEmailAddress(email) {
            problems.invalid(object.pointer.appending("email"), "must be an email address")
        }
        if phone == nil && email == nil && !object.hasProblem(at: "phone") && !object.hasProblem(at: "email") {
            problems.invalid(object.pointer.appending("phone"), "a phone number or an email address is required, so the MASH can reach the referrer")
        }
        guard let name else { return nil }
        return Referrer(name: name, role: role, organisation: organisation, phone: phone, email: email)
    }

    mutating func child(_ value: JSONValue, at pointer: JSONPointer) -> Child? {
        guard var object = problems.object(value, at: pointer) else { return nil }
        let givenName = object.string("givenName", maxLength: limits.maxName)
        let familyName = object.string("familyName", maxLength: limits.maxName)
        let otherNames = object.array("otherNames", count: limits.otherNames)?.compactMap {
            ObjectReader.string($0.value, at: $0.pointer, maxLength: limits.maxName, problems: problems)
        } ?? []
        let dateOfBirth = object.formatted("dateOfBirth", format: "a real date written YYYY-MM-DD", CalendarDate.init)
        let dueDate = object.formatted("expectedDueDate", format: "a real date written YYYY-MM-DD", CalendarDate.init)
        let gender = object.enumeration("gender", Child.Gender.self)
        let nhsNumber = object.formatted("nhsNumber", format: "a valid NHS number: 10 digits whose last is the modulus 11 check digit", NHSNumber.init)
        let upn = object.formatted("upn", format: "a valid unique pupil number: a check letter and 12 characters", UniquePupilNumber.init)
        let postcode = object.formatted("postcode", format: "a UK postcode, e.g. SL1 2AB", Postcode.init)
        let address = object.string("address", maxLength: limits.maxShortText)
        let ethnicity = object.string("ethnicity", maxLength: 64)
        let firstLanguage = object.string("firstLanguage", maxLength: 64)
        let interpreterNeeded = object.bool("interpreterNeeded")
        let disability = object.string("disability", maxLength: limits.maxShortText)
        let school = object.string("school", maxLength: limits.maxName)
        let gp = object.string("gp", maxLength: limits.maxName)
        object.finish()

        let child = Child(
            givenName: givenName, familyName: familyName, otherNames: otherNames, dateOfBirth: dateOfBirth,
            expectedDueDate: dueDate, gender: gender, nhsNumber: nhsNumber, upn: upn, postcode: postcode,
            address: address, ethnicity: ethnicity, firstLanguage: firstLanguage, interpreterNeeded: interpreterNeeded,
            disability: disability, school: school, gp: gp
        )
        checkIdentity(of: child, in: object)
        checkDates(of: child, in: object)
        if !child.isUnborn && nhsNumber == nil && !object.hasProblem(at: "nhsNumber") {
            warn(pointer.appending("nhsNumber"), "no NHS number: health records cannot be matched with certainty")
        }
        if postcode == nil && address == nil && !object.hasProblem(at: "postcode") {
            warn(pointer.appending("postcode"), "no postcode or address: say where the child lives")
        }
        return child
    }

    /// A child needs a family name (or to be unborn) and a date of birth or due date.
    private func checkIdentity(of child: Child, in object: ObjectReader) {
        let hasFamilyName = child.familyName.map { !$0.isBlank } ?? false
        if !hasFamilyName && !child.isUnborn && !object.hasProblem(at: "familyName") {
            problems.invalid(object.pointer.appending("familyName"), "is required unless the child is unborn")
        }
        let datesUnreadable = object.hasProblem(at: "dateOfBirth") || object.hasProblem(at: "expectedDueDate")
        switch (child.dateOfBirth, child.expectedDueDate) {
        case (nil, nil) where !datesUnreadable:
            problems.invalid(object.pointer.appending("dateOfBirth"), "a date of birth, or an expected due date for an unborn child, is required")
        case (.some, .some):
            problems.invalid(object.pointer.appending("expectedDueDate"), "give a date of birth or an expected due date, not both")
        case (.some, nil) where child.isUnborn:
            problems.invalid(object.pointer.appending("dateOfBirth"), "an unborn child has an expected due date, not a date of birth")
        default:
            break
        }
    }

    private mutating func checkDates(of child: Child, in object: ObjectReader) {
        if let birth = child.dateOfBirth {
            let pointer = object.pointer.appending("dateOfBirth")
            if birth > today {
                problems.invalid(pointer, "is in the future")
            } else if birth.years(until: today) > 25 {
                problems.invalid(pointer, "is more than 25 years ago: not a child's date of birth")
            } else if birth.years(until: today) >= 18 {
                warn(pointer, "the child is 18 or over on this date of birth: check it")
            }
            if agencyKind == .education && child.upn == nil && (4..<18).contains(birth.years(until: today)) && !object.hasProblem(at: "upn") {
                warn(object.pointer.appending("upn"), "no unique pupil number for a school-age child")
            }
        }
        if let due = child.expectedDueDate {
            let pointer = object.pointer.appending("expectedDueDate")
            if due > today.adding(months: 10) {
                problems.invalid(pointer, "is more than 10 months away")
            } else if due < today.adding(months: -1) && child.isUnborn {
                warn(pointer, "the due date has passed: send the date of birth if the baby has been born")
            }
        }
    }

    mutating func member(_ value: JSONValue, at pointer: JSONPointer) -> HouseholdMember? {
        guard var object = problems.object(value, at: pointer) else { return nil }
        let name = object.string("name", maxLength: limits.maxName)
        let relationship = object.string("relationship", maxLength: limits.maxName)
        let dateOfBirth = object.formatted("dateOfBirth", format: "a real date written YYYY-MM-DD", CalendarDate.init)
        let parentalResponsibility = object.bool("parentalResponsibility")
        object.finish()
        if let dateOfBirth, dateOfBirth > today {
            problems.invalid(pointer.appending("dateOfBirth"), "is in the future")
        }
        return HouseholdMember(name: name, relationship: relationship, dateOfBirth: dateOfBirth, parentalResponsibility: parentalResponsibility)
    }

    mutating func concern(_ value: JSONValue, at pointer: JSONPointer) -> Concern? {
        guard var object = problems.object(value, at: pointer) else { return nil }
        let category = object.enumeration("category", ConcernCategory.self, required: true)
        let detail = object.string("detail", maxLength: limits.maxFreeText)
        object.finish()
        // Counting all of a long detail's characters would walk its every grapheme.
        if (detail?.prefix(40).count ?? 0) < 40 && !object.hasProblem(at: "detail") {
            warn(pointer.appending("detail"), "the detail is short: say what happened, when, and how the child is affected")
        }
        return category.map { Concern(category: $0, detail: detail) }
    }

    static func isPhoneNumber(_ text: String) -> Bool {
        var digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: " "), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"): break
            default: return false
            }
        }
        return (7...15).contains(digits)
    }

    static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.utf8.split(separator: UInt8(ascii: "@"), omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !text.unicodeScalars.contains(where: \.isWhiteSpace) else { return false }
        let domain = parts[1].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return domain.count >= 2 && domain.allSatisfy { !$0.isEmpty }
    }
}

extension ObjectReader {
    /// True when a problem has already been recorded for `key` (so a follow-on
    /// check does not report the same field twice).
    func hasProblem(at key: String) -> Bool {
        let location = pointer.appending(key).description
        return problems.problems.contains { $0.pointer == location }
    }
}
