import Foundation
import HaloForgeCore
import HaloForgeSandbox
@testable import HaloForgeVerify
import Testing

/// The ladder judged from records alone: no compiler, no jail, no harness process.
@Suite struct LadderJudgeTests {
    let clean = RunRecord(status: .ok, wallSeconds: 0.2)
    let rung = CompileRung(seconds: 0.2, warnings: [])

    func compiled(stderr: String, status: RunStatus = .ok) -> RunRecord {
        RunRecord(status: status, exitCode: status == .ok ? 0 : 1, wallSeconds: 0.3, stderr: Data(stderr.utf8))
    }

    @Test func aCompilerErrorScoresZeroWithItsLinesAndTheScratchPathRemoved() {
        let record = compiled(stderr: "/tmp/s1/main.c:1:30: error: expected ';' before '}' token\n", status: .runtimeError)
        let v = Ladder.judge(compile: record, scratch: "/tmp/s1", run: .notRun)
        #expect(v.reward == Reward.syntaxError)
        #expect(v.outcome == .syntaxError)
        #expect(v.detail == "main.c:1:30: error: expected ';' before '}' token")
        #expect(v.compileSeconds == 0.3)
        #expect(v.run?.status == "runtime_error")
    }

    @Test func aCompilerKilledByALimitSaysSo() {
        let record = RunRecord(status: .cpuTimeLimit, cpuSeconds: 10)
        let v = Ladder.judge(compile: record, scratch: "/s", run: .notRun)
        #expect(v.outcome == .syntaxError)
        #expect(v.detail.hasPrefix("compiler ended: CPU time limit"))
    }

    @Test func warningsLowerTheCompileRungAndCleanCodeReachesIt() {
        let warned = Ladder.judge(compile: compiled(stderr: "main.c:2:1: warning: control reaches end of non-void function\n"), scratch: "/s", run: .notRun)
        #expect(warned.reward == Reward.compiledWithWarnings)
        #expect(warned.outcome == .compiledWithWarnings)
        #expect(warned.detail.contains("control reaches end"))
        let v = Ladder.judge(compile: clean, scratch: "/s", run: .notRun)
        #expect(v.reward == Reward.compiled)
        #expect(v.detail == "compiled clean")
    }

    @Test func aSandboxFailureIsTheVerifiersErrorNotTheSamples() {
        let broken = RunRecord(status: .internalError, error: "clone: no memory")
        #expect(Ladder.judge(compile: broken, scratch: "/s", run: .notRun).outcome == .error)
        let v = Ladder.verdict(rung, .bare(broken))
        #expect(v.outcome == .error)
        #expect(v.reward == 0)
        #expect(v.detail == "sandbox error: clone: no memory")
    }

    @Test func aBareRunToExitZeroRanAndCarriesItsRecord() throws {
        let record = RunRecord(status: .ok, wallSeconds: 0.05, cpuSeconds: 0.04, maxRSSKiB: 2048)
        let v = Ladder.verdict(rung, .bare(record))
        #expect(v.reward == Reward.ran)
        #expect(v.outcome == .ran)
        #expect(v.runEnd == "exit 0")
        let run = try #require(v.run)
        #expect(run == Verdict.Run(status: "ok", exitCode: 0, signal: 0, wallSeconds: 0.05, cpuSeconds: 0.04, peakMemoryKiB: 2048))
    }

    @Test func aCrashKeepsTheCompileRungAndATimeLimitIsATimeout() {
        let segv = Ladder.verdict(CompileRung(seconds: 0.1, warnings: ["w"]), .bare(RunRecord(status: .signaled, signal: 11, stderr: Data("bad\n".utf8))))
        #expect(segv.outcome == .crashed)
        #expect(segv.reward == Reward.compiledWithWarnings)
        #expect(segv.runEnd == "signal 11 (SIGSEGV)")
        #expect(segv.run?.signal == 11)
        #expect(segv.detail == "signal 11 (SIGSEGV) — bad")
        let slow = Ladder.verdict(rung, .bare(RunRecord(status: .wallTimeLimit, wallSeconds: 2)))
        #expect(slow.outcome == .timedOut)
        #expect(slow.reward == Reward.compiled)
    }

    @Test func theHarnessCountsWithTheRightTokenScoreTheTests() {
        let evidence = Evidence()
        let all = evidence.parse("DONE \(evidence.token) 3 3\n")
        let v = Ladder.verdict(rung, .harness(clean, all, staticTotal: 3))
        #expect(v.reward == Reward.passed)
        #expect(v.outcome == .passed)
        #expect(v.testsPassed == 3 && v.testsTotal == 3)
        #expect(v.run?.status == "ok")
        let some = evidence.parse("A 1 assert f(2) == 4\nDONE \(evidence.token) 1 2\n")
        let partial = Ladder.verdict(rung, .harness(RunRecord(status: .runtimeError, exitCode: 1), some, staticTotal: 2))
        #expect(partial.outcome == .failedTests)
        #expect(partial.reward == Reward.tests(passed: 1, total: 2))
        #expect(partial.detail.contains("assert f(2) == 4"))
    }

    @Test func aForgedCountIsIgnoredAndLeavingEarlyOwesTheUnrunAsserts() {
        let evidence = Evidence()
        let forged = evidence.parse("DONE 0123456789abcdef0123456789abcdef 9 9\n")
        let v = Ladder.verdict(rung, .harness(clean, forged, staticTotal: 9))
        #expect(v.reward == Reward.ran)
        #expect(v.outcome == .failedTests)
        #expect(v.detail.hasPrefix("a forged report was ignored"))
        // The program exited 0 after two of five asserts: the three it skipped count as failed.
        let early = evidence.parse("DONE \(evidence.token) 2 2\n")
        let left = Ladder.verdict(rung, .harness(clean, early, staticTotal: 5))
        #expect(left.testsPassed == 2 && left.testsTotal == 5)
        #expect(left.detail.contains("left before running every test"))
    }

    @Test func aHarnessRunThatCrashedBeforeReportingIsACrash() {
        let v = Ladder.verdict(rung, .harness(RunRecord(status: .signaled, signal: 6), Evidence().parse(""), staticTotal: 4))
        #expect(v.outcome == .crashed)
        #expect(v.testsTotal == 4)
        #expect(v.reward == Reward.compiled)
    }

    @Test func ioCasesAreComparedAfterNormalisingLineEndsAndTrailingSpace() {
        let cases = [IOCase(stdin: "1", stdout: "2\n"), IOCase(stdin: "2", stdout: "4\n"), IOCase(stdin: "3", stdout: "6\n")]
        func out(_ text: String) -> RunRecord { RunRecord(status: .ok, wallSeconds: 0.1, stdout: Data(text.utf8)) }
        let all = Ladder.verdict(rung, .io(cases, [out("2\r\n"), out("4  \n\n"), out("6")]))
        #expect(all.reward == Reward.passed)
        #expect(all.detail == "3/3 I/O cases passed")
        #expect(abs(all.runSeconds - 0.3) < 1e-9)
        let one = Ladder.verdict(rung, .io(cases, [out("2"), out("5"), RunRecord(status: .signaled, signal: 11)]))
        #expect(one.outcome == .failedTests)
        #expect(one.testsPassed == 1)
        #expect(one.detail == "1/3 I/O cases passed; case 2: expected \"4\", got \"5\"")
        let none = Ladder.verdict(rung, .io(cases, Array(repeating: RunRecord(status: .runtimeError, exitCode: 2), count: 3)))
        #expect(none.outcome == .crashed)
        #expect(none.detail.hasPrefix("every case failed to run: exit 2"))
        let broken = Ladder.verdict(rung, .io(cases, [out("2"), RunRecord(status: .internalError, error: "x")]))
        #expect(broken.outcome == .error)
    }

    @Test func theVerdictJSONCarriesTheRunAsAnObject() throws {
        let v = Ladder.verdict(rung, .bare(RunRecord(status: .memoryLimit, wallSeconds: 0.5, cpuSeconds: 0.25, maxRSSKiB: 524288)))
        var line = ""
        JSONValue.writeObject(v.fields, to: &line)
        let json = try JSONValue.parse(Data(line.utf8))
        #expect(json["run_end"] == .string("memory limit"))
        #expect(json["run"] == .object([
            "status": .string("memory_limit"), "exit_code": .int(0), "signal": .int(0), "wall_seconds": .double(0.5),
            "cpu_seconds": .double(0.25), "peak_memory_kib": .int(524288),
        ]))
    }

    @Test func pythonIsJudgedFromItsDriversReport() {
        let evidence = Evidence()
        let syntax = Ladder.python(clean, evidence.parse("S line 1: invalid syntax\n"), mode: "tests")
        #expect(syntax.outcome == .syntaxError && syntax.reward == 0)
        let importFailed = Ladder.python(clean, evidence.parse("C\nX ZeroDivisionError: division by zero\n"), mode: "tests")
        #expect(importFailed.outcome == .importError && importFailed.reward == 0)
        let warned = Ladder.python(clean, evidence.parse("W SyntaxWarning: invalid escape\nC\nI\nDONE \(evidence.token) 0 0\n"), mode: "import")
        #expect(warned.outcome == .compiledWithWarnings && warned.reward == Reward.compiledWithWarnings)
        let passed = Ladder.python(clean, evidence.parse("C\nI\nDONE \(evidence.token) 4 4\n"), mode: "tests")
        #expect(passed.outcome == .passed && passed.testsTotal == 4)
        let spun = Ladder.python(clean, evidence.parse("C\nI\nK signal 24\n"), mode: "tests")
        #expect(spun.outcome == .timedOut && spun.reward == Reward.compiled)
        let noDriver = Ladder.python(RunRecord(status: .ok), evidence.parse("E cannot read the payload\n"), mode: "tests")
        #expect(noDriver.outcome == .error && noDriver.detail == "driver: cannot read the payload")
    }
}
