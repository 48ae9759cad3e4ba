import Foundation

/// One keep-alive HTTP/1.1 connection to 127.0.0.1 over a blocking socket, for
/// load generation from plain threads: no event loop, no URLSession, so the
/// timings are the server's and the kernel's, not the client library's.
final class HTTPConnection {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private let fd: Int32
    /// Received and not yet read.
    private var buffer: [UInt8] = []
    /// Where each `recv` lands, allocated once.
    private var receiving = [UInt8](repeating: 0, count: 65_536)

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "connect: \(errno)")
        }
    }

    deinit { close(fd) }

    /// Sends one request and reads its whole response.
    func send(_ method: String, _ path: String, token: String, body: [UInt8] = []) throws -> (status: Int, body: [UInt8]) {
        var request = Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n".utf8)
        if !body.isEmpty { request += Array("Content-Type: application/json\r\n".utf8) }
        request += Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
        try request.withUnsafeBytes { bytes in
            var sent = 0
            while sent < bytes.count {
                let n = Glibc.send(fd, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw Failure(description: "send: \(errno)") }
                sent += n
            }
        }
        let head = try Head(try readHead())
        if head.status == 204 || head.status == 304 { return (head.status, []) }
        return (head.status, head.chunked ? try readChunked() : try read(head.length))
    }

    /// A response's status and how its body is framed, read from its head (the
    /// bytes before the blank line) without Foundation: this runs for every
    /// request the generator makes, on the cores the daemon it measures needs.
    private struct Head {
        let status: Int
        var length = 0
        var chunked = false

        init(_ bytes: ArraySlice<UInt8>) throws {
            let lines = bytes.split(separator: 10).map { $0.last == 13 ? $0.dropLast() : $0 }
            let statusLine = lines.first?.split(separator: 32, maxSplits: 2) ?? []
            guard statusLine.count >= 2, let status = Int(String(decoding: statusLine[1], as: UTF8.self)) else {
                throw Failure(description: "bad status line")
            }
            self.status = status
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
                let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
                let value = String(decoding: line[(colon + 1)...], as: UTF8.self).filter { $0 != " " && $0 != "\t" }
                if name == "content-length" { length = Int(value) ?? 0 }
                if name == "transfer-encoding" && value.lowercased().contains("chunked") { chunked = true }
            }
        }
    }

    private func fill() throws {
        let n = receiving.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        guard n > 0 else { throw Failure(description: n == 0 ? "connection closed" : "recv: \(errno)") }
        buffer += receiving[0..<n]
    }

    private func readHead() throws -> ArraySlice<UInt8> {
        var searched = 0
        while true {
            var at = searched
            while at + 4 <= buffer.count {
                if buffer[at] == 13 && buffer[at + 1] == 10 && buffer[at + 2] == 13 && buffer[at + 3] == 10 {
                    let head = buffer[0..<at]
                    buffer.removeFirst(at + 4)
                    return head
                }
                at += 1
            }
            searched = max(0, buffer.count - 3)
            try fill()
        }
    }

    private func read(_ count: Int) throws -> [UInt8] {
        while buffer.count < count { try fill() }
        let body = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return body
    }

    private func readLine() throws -> String {
        while true {
            if let at = buffer.firstIndex(of: 10), at > 0, buffer[at - 1] == 13 {
                let line = String(decoding: buffer[0..<(at - 1)], as: UTF8.self)
                buffer.removeFirst(at + 1)
                return line
            }
            try fill()
        }
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            guard let size = Int(try readLine().split(separator: ";")[0], radix: 16) else { throw Failure(description: "bad chunk size") }
            if size == 0 {
                _ = try readLine()
                return body
            }
            body += try read(size)
            _ = try readLine()
        }
    }
}
