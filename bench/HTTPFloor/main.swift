// http-floor: what one HTTP request costs Hummingbird on this machine, before
// mashd does anything of its own.
//
//   http-floor [PORT] [COMMIT_MICROSECONDS]
//
// Serves `POST /v1/referrals` on 127.0.0.1 the way mashd's HTTP/1.1 server is set
// up (Swift concurrency's jobs on NIO's event loop threads), with none of mashd's
// work: it reads the body (up to 1 MiB, as mashd does) and answers 201 with a
// `Location` and a JSON acknowledgement of the size mashd sends. bench/run drives
// it with the same wrk script and document as intake, so that mashd's CPU per
// referral can be read against this floor.
//
// With COMMIT_MICROSECONDS, each request waits as an intake request waits for its
// group commit: requests gather while one stand-in commit, on a thread of its
// own, sleeps that long, and the next takes all of them (at most 64) and answers
// them together. Prints "http-floor listening on 127.0.0.1:PORT" once it serves.
import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import Synchronization

NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 0 : 0
let commitMicroseconds = arguments.count > 2 ? UInt32(arguments[2]) ?? 0 : 0

/// Stand-in commits: one thread that, while requests wait, sleeps for a commit and
/// then resumes every request that was waiting when it began.
final class StandInCommits: Sendable {
    private let waiting = Mutex<[CheckedContinuation<Void, Never>]>([])
    private let wake = DispatchSemaphore(value: 0)

    init(microseconds: UInt32) {
        Thread.detachNewThread { [self] in
            while true {
                wake.wait()
                let batch = waiting.withLock { waiting in
                    let count = min(64, waiting.count)
                    defer { waiting.removeFirst(count) }
                    return Array(waiting.prefix(count))
                }
                guard !batch.isEmpty else { continue }
                usleep(microseconds)
                for continuation in batch { continuation.resume() }
            }
        }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            waiting.withLock { $0.append(continuation) }
            wake.signal()
        }
    }
}

let commits = commitMicroseconds > 0 ? StandInCommits(microseconds: commitMicroseconds) : nil
let router = Router()
router.post("v1/referrals") { request, _ -> Response in
    let body = try await request.body.collect(upTo: 1 << 20)
    await commits?.wait()
    let id = UUID().uuidString.lowercased()
    let acknowledgement = #"{"id":"\#(id)","reference":"floor/\#(body.readableBytes)","receivedAt":"2026-11-24T12:00:00.000Z","status":"queued","warnings":[]}"#
    return Response(
        status: .created,
        headers: [.contentType: "application/json", .location: "/v1/referrals/\(id)"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: acknowledgement))
    )
}
let app = Application(
    router: router,
    configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: "http-floor"),
    onServerRunning: { channel in
        FileHandle.standardOutput.write(Data("http-floor listening on 127.0.0.1:\(channel.localAddress?.port ?? port)\n".utf8))
    }
)
try await app.runService()
