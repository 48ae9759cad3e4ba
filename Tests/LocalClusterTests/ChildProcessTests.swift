import Foundation
import LocalCluster
import Synchronization
import Testing

@Suite("Child processes")
struct ChildProcessTests {
    final class Events: Sendable {
        let names = Mutex<[String]>([])
        func record(_ name: String) { names.withLock { $0.append(name) } }
        var all: [String] { names.withLock { $0 } }
    }

    /// Waiting for a program holds none of the cooperative pool's threads: with
    /// more programs waited for at once than the pool has threads, another task
    /// still runs while they all wait. (Waiting in `waitpid` on the pool, as the
    /// tests once did, stalled every test of the process for seconds.)
    @Test func waitingForProgramsLeavesTheTaskPoolFree() async throws {
        let events = Events()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<(ProcessInfo.processInfo.activeProcessorCount + 2) {
                group.addTask {
                    let result = try await ChildProcess.run(["/bin/sleep", "5"])
                    #expect(result.status == 0)
                    events.record("program ended")
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            events.record("task ran")
            try await group.waitForAll()
        }
        #expect(events.all.first == "task ran", "\(events.all)")
    }

    @Test func anExitCodeIsTheProgramsOrTheSignalsAsShellsReportIt() async throws {
        #expect(try await ChildProcess.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"]) == (3, "out\nerr\n", ""))
        let separate = try await ChildProcess.run(["/bin/sh", "-c", "echo out; echo err >&2"], separateErrors: true)
        #expect(separate.output == "out\n" && separate.errors == "err\n")
        #expect(try await ChildProcess.run(["/bin/sh", "-c", "kill -9 $$"]).status == 128 + 9)
    }
}
