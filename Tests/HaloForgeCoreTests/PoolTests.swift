import Foundation
import HaloForgeCore
import Synchronization
import Testing

/// Counts how many bodies run at once, and the most seen.
final class Concurrency: Sendable {
    private let state = Mutex((now: 0, most: 0))

    func enter() { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
    func leave() { state.withLock { $0.now -= 1 } }
    var most: Int { state.withLock { $0.most } }
}

@Suite struct PoolTests {
    /// Later items finish first, so completion order differs from input order.
    static func delay(_ i: Int, of n: Int) -> Duration { .milliseconds(5 * (n - i)) }

    @Test func inputOrderHandsResultsBackInTheOrderGivenWhateverFinishesFirst() async {
        var seen: [(Int, Int)] = []
        let started = await Pool.run(Array(0..<12), jobs: 4, order: .input) { i in
            try? await Task.sleep(for: Self.delay(i, of: 12))
            return i * i
        } completed: { index, value in
            seen.append((index, value))
        }
        #expect(started == 12)
        #expect(seen.map(\.0) == Array(0..<12))
        #expect(seen.map(\.1) == (0..<12).map { $0 * $0 })
    }

    @Test func completionOrderReportsEachAsItFinishesWithItsIndex() async {
        var indices: [Int] = []
        await Pool.run(Array(0..<8), jobs: 8) { i in
            try? await Task.sleep(for: Self.delay(i, of: 8) * 4)
            return i
        } completed: { index, value in
            #expect(index == value)
            indices.append(index)
        }
        #expect(Set(indices) == Set(0..<8))
        #expect(indices != Array(0..<8), "the longest-running item (0) should not finish first")
    }

    @Test(arguments: [1, 3, 5])
    func neverMoreThanJobsAtOnceAndAllOfThemUsed(jobs: Int) async {
        let gauge = Concurrency()
        var count = 0
        await Pool.run(Array(0..<20), jobs: jobs) { _ in
            gauge.enter()
            try? await Task.sleep(for: .milliseconds(10))
            gauge.leave()
        } completed: { _, _ in count += 1 }
        #expect(count == 20)
        #expect(gauge.most == jobs)
    }

    @Test func zeroJobsStillRunsOneAtATime() async {
        let gauge = Concurrency()
        let started = await Pool.run(Array(0..<3), jobs: 0) { _ in
            gauge.enter()
            try? await Task.sleep(for: .milliseconds(5))
            gauge.leave()
        } completed: { _, _ in }
        #expect(started == 3)
        #expect(gauge.most == 1)
    }

    @Test func anErrorFromCompletedStopsTakingItemsAndIsRethrownAfterThoseInFlight() async {
        struct Stop: Error {}
        let finished = Mutex(0)
        var reported = 0
        await #expect(throws: Stop.self) {
            try await Pool.run(Array(0..<50), jobs: 2) { _ in
                try? await Task.sleep(for: .milliseconds(5))
                finished.withLock { $0 += 1 }
            } completed: { index, _ throws(Stop) in
                reported += 1
                if reported == 3 { throw Stop() }
            }
        }
        // The error stops the pool: far fewer than 50 ran, and every started one finished.
        #expect(reported == 3)
        #expect(finished.withLock { $0 } < 10)
    }

    @Test func cancellationStopsStartingItemsButLetsThoseInFlightFinish() async {
        let started = Mutex(0)
        let finished = Mutex(0)
        let task = Task {
            await Pool.run(Array(0..<1000), jobs: 2) { _ in
                started.withLock { $0 += 1 }
                // Not a cancellable sleep: an item in flight runs to its end.
                let until = ContinuousClock.now + .milliseconds(5)
                while ContinuousClock.now < until { await Task.yield() }
                finished.withLock { $0 += 1 }
            } completed: { _, _ in }
        }
        try? await Task.sleep(for: .milliseconds(30))
        task.cancel()
        let count = await task.value
        #expect(count < 1000)
        #expect(count == started.withLock { $0 })
        #expect(finished.withLock { $0 } == count)
    }

    @Test func aStreamOfItemsIsPulledOnlyAsRoomFrees() async {
        var handedOut = 0
        var most = 0
        var done = 0
        await Pool.run(jobs: 3, order: .input, next: { () async -> Int? in
            guard handedOut < 10 else { return nil }
            handedOut += 1
            most = max(most, handedOut - done)
            return handedOut
        }, body: { i in
            try? await Task.sleep(for: .milliseconds(3))
            return i
        }, completed: { index, value in
            #expect(value == index + 1)
            done += 1
        })
        #expect(done == 10)
        // One more than jobs at most: an item is taken just before room is waited for.
        #expect(most <= 4)
    }
}

@Suite struct SubprocessTests {
    @Test func inputGoesInAndBothOutputsComeBack() {
        let r = Subprocess.runBlocking("/bin/sh", ["-c", "cat; echo oops >&2; exit 3"], input: Data("hello\n".utf8))
        #expect(r.status == 3)
        #expect(r.stdoutText == "hello\n")
        #expect(r.stderrText == "oops\n")
        #expect(!r.timedOut)
    }

    @Test func aLargeInputAndOutputDoNotStall() {
        let big = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        let r = Subprocess.runBlocking("/bin/sh", ["-c", "cat; cat /dev/null >&2"], input: big, timeout: 30)
        #expect(r.status == 0)
        #expect(r.stdout == big)
    }

    @Test func environmentAndDiscardedOutput() async {
        let r = await Subprocess.run("/bin/sh", ["-c", "echo \"$HF_X\"; echo gone >&2"], environment: ["HF_X": "set"], stderr: .discard)
        #expect(r.stdoutText == "set\n")
        #expect(r.stderr.isEmpty)
    }

    @Test func aSignalIsReportedAsAShellDoesAndATimeoutKills() {
        #expect(Subprocess.runBlocking("/bin/sh", ["-c", "kill -9 $$"]).status == 128 + 9)
        let slow = Subprocess.runBlocking("/bin/sleep", ["30"], timeout: 0.3)
        #expect(slow.timedOut)
        #expect(slow.seconds < 10)
    }

    @Test func aMissingProgramIsStatusMinusOneWithItsName() {
        let r = Subprocess.runBlocking("/nonexistent/tool", [])
        #expect(r.status == -1)
        #expect(r.stderrText.contains("/nonexistent/tool"))
    }
}
