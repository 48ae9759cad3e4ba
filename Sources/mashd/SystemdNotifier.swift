import Foundation

/// Speaks systemd's notification protocol (sd_notify(3)) without libsystemd:
/// one datagram of `KEY=VALUE` lines to the Unix socket named by `NOTIFY_SOCKET`
/// (a path, or an abstract name written with a leading `@`). Without that
/// variable, as when not run by systemd, every message is dropped.
struct SystemdNotifier: Sendable {
    let socketPath: String?
    /// How often systemd expects a watchdog ping (`WATCHDOG_USEC`), when it does
    /// and the ping is meant for this process (`WATCHDOG_PID` unset or ours).
    let watchdogInterval: Duration?

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        watchdogInterval = environment["WATCHDOG_USEC"].flatMap(Int64.init).flatMap { forUs && $0 > 0 ? .microseconds($0) : nil }
    }

    /// Sends the lines as one message; returns whether systemd's socket took it.
    @discardableResult
    func notify(_ lines: String...) -> Bool {
        guard let socketPath else { return false }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            bytes.copyBytes(from: path)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let message = Array(lines.joined(separator: "\n").utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                sendto(descriptor, message, message.count, Int32(MSG_NOSIGNAL), address, length)
            }
        }
        return sent == message.count
    }
}
