import Foundation
import LocalCluster
import MashTesting
import Testing

@Suite("Child processes")
struct ChildProcessTests {
    /// Waiting for a program holds none of the cooperative pool's threads: with
    /// more programs waited for at once than the pool has threads, another task
    /// still runs while they all wait. (Waiting in `waitpid` on the pool, as the
    /// tests once did, stalled every test of the process for seconds.)
    @Test func waitingForProgramsLeavesTheTaskPoolFree() async throws {
        let events = Shared<[String]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<(ProcessInfo.processInfo.activeProcessorCount + 2) {
                group.addTask {
                    let result = try await ChildProcess.run(["/bin/sleep", "5"])
                    #expect(result.status == 0)
                    events.withLock { $0.append("program ended") }
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            events.withLock { $0.append("task ran") }
            try await group.waitForAll()
        }
        let order = events.withLock { $0 }
        #expect(order.first == "task ran", "\(order)")
    }

    @Test func anExitCodeIsTheProgramsOrTheSignalsAsShellsReportIt() async throws {
        #expect(try await ChildProcess.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"]) == (3, "out\nerr\n", ""))
        let separate = try await ChildProcess.run(["/bin/sh", "-c", "echo out; echo err >&2"], separateErrors: true)
        #expect(separate.output == "out\n" && separate.errors == "err\n")
        #expect(try await ChildProcess.run(["/bin/sh", "-c", "kill -9 $$"]).status == 128 + 9)
    }
}
