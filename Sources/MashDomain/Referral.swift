import Foundation

/// A referral as accepted at intake: one message about one household's children,
/// every field checked (see `ReferralValidator`).
public struct Referral: Sendable, Equatable {
    public var reference: String
    public var kind: Kind
    public var submittedAt: Date?
    public var referrer: Referrer
    public var children: [Child]
    public var household: [HouseholdMember]
    public var concerns: [Concern]
    public var immediateDanger: Bool
    public var childLocation: String?
    public var familyInformed: FamilyInformed?
    public var consent: Consent?
    public var childViews: String?
    public var confidentialFromFamily: String?
    public var referrerAnonymous: Bool
    public var policeRiskGrade: PoliceRiskGrade?
    public var receivedBy: ReceivedBy?
    /// The detail of the updates taken in (see `updated(with:)`), oldest first.
    public var updateDetails: [String] = []

    public enum Kind: String, Sendable, CaseIterable { case referral, notification }
    public enum FamilyInformed: String, Sendable, CaseIterable { case yes, no, notSafe = "not_safe" }
    public enum Consent: String, Sendable, CaseIterable {
        case given, refused, notSought = "not_sought", notRequired = "not_required"
    }
    public enum PoliceRiskGrade: String, Sendable, CaseIterable { case high, medium, standard }
    public enum ReceivedBy: String, Sendable, CaseIterable { case web, phone, email, api }
}

/// The professional who made the referral.
public struct Referrer: Sendable, Equatable {
    public var name: String
    public var role: String?
    public var organisation: String?
    public var phone: String?
    public var email: String?
}

/// One child named in a referral.
public struct Child: Sendable, Equatable {
    public var givenName: String?
    public var familyName: String?
    public var otherNames: [String]
    public var dateOfBirth: CalendarDate?
    public var expectedDueDate: CalendarDate?
    public var gender: Gender?
    public var nhsNumber: NHSNumber?
    public var upn: UniquePupilNumber?
    public var postcode: Postcode?
    public var address: String?
    public var ethnicity: String?
    public var firstLanguage: String?
    public var interpreterNeeded: Bool?
    public var disability: String?
    public var school: String?
    public var gp: String?

    public enum Gender: String, Sendable, CaseIterable { case female, male, other, unknown, unborn }

    public var isUnborn: Bool { gender == .unborn }
}

/// A member of the child's household or a regular visitor.
public struct HouseholdMember: Sendable, Equatable {
    public var name: String?
    public var relationship: String?
    public var dateOfBirth: CalendarDate?
    public var parentalResponsibility: Bool?
}

/// One worry about the children, in a known category, with the referrer's detail.
public struct Concern: Sendable, Equatable {
    public var category: ConcernCategory
    public var detail: String?

    public init(category: ConcernCategory, detail: String?) {
        self.category = category
        self.detail = detail
    }
}

/// The categories of concern a referral may name (CONTRACT §3).
public enum ConcernCategory: String, Sendable, CaseIterable {
    case physicalAbuse = "physical_abuse"
    case emotionalAbuse = "emotional_abuse"
    case sexualAbuse = "sexual_abuse"
    case neglect
    case domesticAbuse = "domestic_abuse"
    case childSexualExploitation = "child_sexual_exploitation"
    case childCriminalExploitation = "child_criminal_exploitation"
    case trafficking
    case missing
    case fgm
    case honourBasedAbuse = "honour_based_abuse"
    case forcedMarriage = "forced_marriage"
    case radicalisation
    case selfHarm = "self_harm"
    case suicideRisk = "suicide_risk"
    case mentalHealthChild = "mental_health_child"
    case mentalHealthParent = "mental_health_parent"
    case substanceMisuseChild = "substance_misuse_child"
    case substanceMisuseParent = "substance_misuse_parent"
    case parentalLearningDisability = "parental_learning_disability"
    case youngCarer = "young_carer"
    case privatelyFostered = "privately_fostered"
    case unaccompaniedAsylumSeeking = "unaccompanied_asylum_seeking"
    case homelessness
    case onlineHarm = "online_harm"
    case fabricatedInducedIllness = "fabricated_induced_illness"
    case harmfulSexualBehaviour = "harmful_sexual_behaviour"
    case pregnancyUnder16 = "pregnancy_under_16"
    case allegationAgainstProfessional = "allegation_against_professional"
    case schoolAttendance = "school_attendance"
    case disabilityNeed = "disability_need"
    case other
}

/// The kinds of partner agency (CONTRACT §5).
public enum AgencyKind: String, Sendable, CaseIterable {
    case police, health, education
    case localAuthority = "local_authority"
    case probation, housing, voluntary, other
}
