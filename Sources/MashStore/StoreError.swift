/// A failure the store reports in the domain's terms.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable {
        fileprivate let name: String
        /// The record asked for does not exist.
        public static let notFound = Code(name: "notFound")
        /// A record with that identity exists already.
        public static let alreadyExists = Code(name: "alreadyExists")
        /// An argument breaks a rule the database enforces.
        public static let invalid = Code(name: "invalid")
        /// The database schema is not the version this build expects.
        public static let schemaMismatch = Code(name: "schemaMismatch")
        /// The database session may do more than the program should ever do.
        public static let overPrivileged = Code(name: "overPrivileged")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func schemaTooNew(_ current: Int, _ latest: Int) -> StoreError {
        StoreError(.schemaMismatch, "the database schema is at version \(current), newer than this build's \(latest): upgrade mash-broker before running it against this database")
    }
}
