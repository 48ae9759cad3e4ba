import Foundation

/// One keep-alive HTTP/1.1 connection to 127.0.0.1 over a blocking socket, for
/// load generation from plain threads: no event loop, no URLSession, so the
/// timings are the server's and the kernel's, not the client library's.
final class HTTPConnection {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private let fd: Int32
    private var buffer: [UInt8] = []

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
        let head = try readHead()
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.split(separator: " ").count >= 2,
              let status = Int(statusLine.split(separator: " ")[1]) else { throw Failure(description: "bad status line") }
        var length = 0, chunked = false
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.count == 2 else { continue }
            if parts[0] == "content-length" { length = Int(parts[1]) ?? 0 }
            if parts[0] == "transfer-encoding" && parts[1].contains("chunked") { chunked = true }
        }
        if status == 204 || status == 304 { return (status, []) }
        return (status, chunked ? try readChunked() : try read(length))
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        guard n > 0 else { throw Failure(description: n == 0 ? "connection closed" : "recv: \(errno)") }
        buffer += chunk[0..<n]
    }

    private func readHead() throws -> [UInt8] {
        let end: [UInt8] = [13, 10, 13, 10]
        while true {
            if buffer.count >= 4, let at = (0...(buffer.count - 4)).first(where: { buffer[$0..<($0 + 4)].elementsEqual(end) }) {
                let head = Array(buffer[0..<at])
                buffer.removeFirst(at + 4)
                return head
            }
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
