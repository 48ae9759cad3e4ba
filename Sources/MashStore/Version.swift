/// The version of this build, reported by both programs and recorded by each daemon.
public enum MashBroker {
    public static let version = "0.1.0"
}
