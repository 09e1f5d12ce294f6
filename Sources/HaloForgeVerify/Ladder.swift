internal import Foundation
internal import HaloForgeCore
internal import HaloForgeSandbox

/// The reward ladder as pure functions: what a verification left behind (the compiler's
/// record, the harness's evidence, the program's runs) → the verdict. Nothing here starts a
/// process, so every rung is tested by feeding records; the verifiers only run things and
/// hand the records over.
enum Ladder {
    /// What the candidate's program did after it compiled.
    enum Run {
        /// Verification stopped at compiling.
        case notRun
        /// Ran without tests: `ran` at exit 0.
        case bare(RunRecord)
        /// Ran under a harness: its report, read with the run's token, and the asserts the
        /// test source holds (a program that leaves early still owes them).
        case harness(RunRecord, Evidence.Report, staticTotal: Int)
        /// One record per I/O case in order; fewer when the sandbox failed partway.
        case io([IOCase], [RunRecord])
    }

    /// compile record + run evidence → verdict. `scratch` is the host path the compiler saw,
    /// taken out of its diagnostics.
    static func judge(compile: RunRecord, scratch: String, run: Run) -> Verdict {
        switch CompileRung.judge(compile, scratch: scratch) {
        case .ended(let verdict): verdict
        case .compiled(let rung): verdict(rung, run)
        }
    }

    /// The verdict of a sample that compiled, from what its run left behind.
    static func verdict(_ rung: CompileRung, _ run: Run) -> Verdict {
        switch run {
        case .notRun:
            return rung.verdict
        case .bare(let record):
            if record.status == .internalError { return sandboxFailure(record, rung) }
            guard record.status == .ok else { return rung.failedRun(record) }
            return Verdict(
                reward: Reward.ran, outcome: .ran, compileSeconds: rung.seconds, runSeconds: record.wallSeconds, ended: record,
                detail: "ran to exit 0")
        case .harness(let record, let report, let staticTotal):
            if record.status == .internalError { return sandboxFailure(record, rung) }
            return TestVerdict.make(report: report, record: record, staticTotal: staticTotal, rung: rung)
        case .io(let cases, let records):
            if let failed = records.first(where: { $0.status == .internalError }) {
                return sandboxFailure(failed, rung, runSeconds: failed.wallSeconds)
            }
            return IOTests.score(cases, records, compile: rung)
        }
    }

    /// A Python sample from its driver's run: the driver reports compiling (S, W, C), importing
    /// (X, I), the candidate's own end (K) and the test counts (DONE); `mode` is `import` (stop
    /// at importing), `run` (run the file, no tests) or a test mode.
    static func python(_ record: RunRecord, _ report: Evidence.Report, mode: String) -> Verdict {
        if record.status == .internalError {
            return Verdict(reward: 0, outcome: .error, ended: record, detail: record.summary)
        }
        if let error = report.internalError {
            return Verdict(reward: 0, outcome: .error, ended: record, detail: "driver: " + error)
        }
        if let syntax = report.syntaxError {
            return Verdict(reward: Reward.syntaxError, outcome: .syntaxError, runSeconds: record.wallSeconds, ended: record, detail: syntax)
        }
        let rung = CompileRung(seconds: 0, warnings: report.warnings)
        guard report.compiled else {
            var verdict = rung.failedRun(record, context: "before compiling")
            verdict.reward = 0
            verdict.outcome = .error
            return verdict
        }
        if !report.imported {
            if mode == "run", let error = report.importError {
                return Verdict(reward: rung.reward, outcome: .crashed, runSeconds: record.wallSeconds, ended: record, detail: error)
            }
            let why = report.importError ?? "importing ended: \(record.summary)"
            return Verdict(reward: Reward.syntaxError, outcome: .importError, runSeconds: record.wallSeconds, ended: record, detail: why)
        }
        if let ended = report.candidateEnded {
            // SIGXCPU: the candidate's process used up its CPU seconds.
            let outcome: Outcome = ended == "signal 24" ? .timedOut : .crashed
            return Verdict(
                reward: rung.reward, outcome: outcome, runSeconds: record.wallSeconds, runEnd: ended,
                detail: "the candidate's process ended during the tests: \(ended)" + (report.failures.first.map { "; " + $0 } ?? ""))
        }
        switch mode {
        case "import":
            guard report.done != nil else { return rung.failedRun(record) }
            var verdict = rung.verdict
            verdict.runSeconds = record.wallSeconds
            verdict.detail = rung.warnings.isEmpty ? "compiled and imported clean" : verdict.detail
            return verdict
        case "run":
            guard report.done != nil, record.status == .ok else { return rung.failedRun(record) }
            return Verdict(reward: Reward.ran, outcome: .ran, runSeconds: record.wallSeconds, ended: record, detail: "ran to the end")
        default:
            // The driver counts assert statements from the test's syntax tree.
            return TestVerdict.make(report: report, record: record, staticTotal: 0, rung: rung)
        }
    }

    /// The sandbox could not carry the run out: the program's behaviour is unknown.
    static func sandboxFailure(_ record: RunRecord, _ rung: CompileRung, runSeconds: Double = 0) -> Verdict {
        Verdict(reward: 0, outcome: .error, compileSeconds: rung.seconds, runSeconds: runSeconds, ended: record, detail: record.summary)
    }
}

extension RunRecord {
    /// The record as a verdict carries it.
    var run: Verdict.Run {
        Verdict.Run(
            status: status.rawValue, exitCode: Int(exitCode), signal: Int(signal), wallSeconds: wallSeconds, cpuSeconds: cpuSeconds,
            peakMemoryKiB: maxRSSKiB)
    }
}

extension Verdict {
    /// A verdict that rests on `record`: how it ended, in a line and in numbers.
    init(
        reward: Double, outcome: Outcome, testsPassed: Int = 0, testsTotal: Int = 0, compileSeconds: Double = 0, runSeconds: Double = 0,
        ended record: RunRecord, detail: String = ""
    ) {
        self.init(
            reward: reward, outcome: outcome, testsPassed: testsPassed, testsTotal: testsTotal, compileSeconds: compileSeconds,
            runSeconds: runSeconds, runEnd: record.summary, detail: detail)
        run = record.run
    }
}

/// The compile rung a sample reached, carried into later verdicts.
struct CompileRung {
    var seconds: Double
    var warnings: [String]

    var reward: Double { warnings.isEmpty ? Reward.compiled : Reward.compiledWithWarnings }
    var outcome: Outcome { warnings.isEmpty ? .compiled : .compiledWithWarnings }

    enum Judged {
        case compiled(CompileRung)
        /// The sample ends here: a sandbox error or a compile error.
        case ended(Verdict)
    }

    /// Where a gcc-style compile leaves the sample: its errors end it at 0.0, its warnings lower
    /// the rung to 0.3.
    static func judge(_ compiled: RunRecord, scratch: String) -> Judged {
        judge(compiled) { Diagnostics.lines($0, kind: $1, scratch: scratch) }
    }

    /// `judge` with the compiler's own way of naming errors and warnings (`lines(text, kind)`).
    static func judge(_ compiled: RunRecord, lines: (String, String) -> [String]) -> Judged {
        if compiled.status == .internalError {
            return .ended(Verdict(reward: 0, outcome: .error, ended: compiled, detail: compiled.summary))
        }
        let diagnostics = compiled.stderrText + compiled.stdoutText
        guard compiled.status == .ok else {
            let errors = lines(diagnostics, "error")
            var detail = errors.prefix(3).joined(separator: "; ")
            if compiled.status != .runtimeError || errors.isEmpty {
                detail = "compiler ended: \(compiled.summary)" + (detail.isEmpty ? "" : "; " + detail)
            }
            return .ended(Verdict(
                reward: Reward.syntaxError, outcome: .syntaxError, compileSeconds: compiled.wallSeconds, ended: compiled, detail: detail))
        }
        return .compiled(CompileRung(seconds: compiled.wallSeconds, warnings: lines(diagnostics, "warning")))
    }

    /// The verdict when verification stops at compiling.
    var verdict: Verdict {
        Verdict(
            reward: reward, outcome: outcome, compileSeconds: seconds,
            detail: warnings.isEmpty ? "compiled clean" : "\(warnings.count) warning(s): " + warnings.prefix(2).joined(separator: "; "))
    }

    /// The verdict for a run that ended badly: the furthest rung is compiling.
    func failedRun(_ record: RunRecord, context: String = "") -> Verdict {
        let outcome: Outcome = record.status == .wallTimeLimit || record.status == .cpuTimeLimit ? .timedOut : .crashed
        var detail = (context.isEmpty ? "" : context + ": ") + record.summary
        let tail = Diagnostics.lastLines(record.stderrText, count: 2)
        if !tail.isEmpty { detail += " — " + tail }
        return Verdict(
            reward: reward, outcome: outcome, compileSeconds: seconds, runSeconds: record.wallSeconds, ended: record, detail: detail)
    }
}

/// Scores a harness run from its evidence, never from exit codes or stdout alone.
enum TestVerdict {
    static func make(report: Evidence.Report, record: RunRecord, staticTotal: Int, rung: CompileRung) -> Verdict {
        let failures = report.failures.prefix(2).joined(separator: "; ")
        if let done = report.done, record.status == .ok || record.status == .runtimeError {
            let total = max(done.total, staticTotal)
            let passed = min(done.passed, total)
            var verdict = Verdict(
                reward: Reward.tests(passed: passed, total: total), outcome: passed == total && total > 0 ? .passed : .failedTests,
                testsPassed: passed, testsTotal: total, compileSeconds: rung.seconds, runSeconds: record.wallSeconds,
                ended: record, detail: "")
            if total == 0 {
                verdict.reward = Reward.ran
                verdict.detail = "no tests ran"
            } else if passed == total {
                verdict.detail = "\(passed)/\(total) tests passed"
            } else if done.total < staticTotal && report.failures.isEmpty {
                verdict.detail = "\(passed)/\(total) tests: the program left before running every test (\(record.summary))"
            } else {
                verdict.detail = "\(passed)/\(total) tests passed; " + failures
            }
            return verdict
        }
        if record.status == .ok || (record.status == .runtimeError && !report.failures.isEmpty) {
            let why = report.forged ? "a forged report was ignored" : "the program left before the tests finished"
            return Verdict(
                reward: Reward.ran, outcome: .failedTests, testsPassed: 0, testsTotal: max(staticTotal, 1),
                compileSeconds: rung.seconds, runSeconds: record.wallSeconds, ended: record,
                detail: "\(why) (\(record.summary))" + (failures.isEmpty ? "" : "; " + failures))
        }
        var verdict = rung.failedRun(record)
        verdict.testsTotal = staticTotal
        if !failures.isEmpty { verdict.detail += "; " + failures }
        return verdict
    }
}

/// Turns compiler and program output into short details.
enum Diagnostics {
    /// Lines naming an error or a warning, with scratch paths removed.
    static func lines(_ text: String, kind: String, scratch: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            guard line.contains(" \(kind): ") || line.hasPrefix("\(kind): ") else { return nil }
            return clean(String(line), scratch: scratch)
        }
    }

    static func clean(_ line: String, scratch: String) -> String {
        var line = line.replacingOccurrences(of: scratch + "/", with: "")
        line = line.replacingOccurrences(of: "/box/", with: "")
        return line.count > 240 ? String(line.prefix(240)) + "…" : line
    }

    static func lastLines(_ text: String, count: Int) -> String {
        let lines = text.split(separator: "\n").suffix(count).map { String($0.prefix(200)) }
        return lines.joined(separator: " | ")
    }

    /// stdout compared after normalising line endings and trailing whitespace.
    static func normalized(_ text: String) -> String {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { line -> Substring in
                var l = line
                while let last = l.last, last == " " || last == "\t" || last == "\r" { l = l.dropLast() }
                return l
            }
        var result = lines
        while let last = result.last, last.isEmpty { result.removeLast() }
        return result.joined(separator: "\n")
    }
}

/// Runs I/O cases against a built program and scores them on the ladder.
enum IOTests {
    /// Runs each case in the local jail (stopping at a sandbox failure) and scores them.
    static func run(
        _ cases: [IOCase], argv: [String], jail: Jail, scratch: Scratch, limits: Limits, compile: CompileRung,
        environment: [String: String] = Jail.environment
    ) async -> Verdict {
        await run(cases, compile: compile) { _, testCase in
            await jail.run(argv, in: scratch, limits: limits, stdin: Data(testCase.stdin.utf8), environment: environment)
        }
    }

    /// Runs each case with `runCase` (in the local jail or on a remote host) and scores them.
    static func run(
        _ cases: [IOCase], compile: CompileRung, runCase: (Int, IOCase) async throws -> RunRecord
    ) async rethrows -> Verdict {
        var records: [RunRecord] = []
        for (i, testCase) in cases.enumerated() {
            let record = try await runCase(i, testCase)
            records.append(record)
            if record.status == .internalError { break }
        }
        return Ladder.verdict(compile, .io(cases, records))
    }

    /// The verdict of I/O cases from their runs' records.
    static func score(_ cases: [IOCase], _ records: [RunRecord], compile: CompileRung) -> Verdict {
        var passed = 0
        var ranCleanly = 0
        var firstProblem: String?
        var lastFailure: RunRecord?
        var runSeconds = 0.0
        for (i, (testCase, record)) in zip(cases, records).enumerated() {
            runSeconds += record.wallSeconds
            guard record.status == .ok else {
                lastFailure = record
                if firstProblem == nil { firstProblem = "case \(i + 1): \(record.summary)" }
                continue
            }
            ranCleanly += 1
            if Diagnostics.normalized(record.stdoutText) == Diagnostics.normalized(testCase.stdout) {
                passed += 1
            } else if firstProblem == nil {
                let got = Diagnostics.normalized(record.stdoutText).prefix(80).replacingOccurrences(of: "\n", with: "⏎")
                let want = Diagnostics.normalized(testCase.stdout).prefix(80).replacingOccurrences(of: "\n", with: "⏎")
                firstProblem = "case \(i + 1): expected \"\(want)\", got \"\(got)\""
            }
        }
        if ranCleanly == 0, let lastFailure {
            var verdict = compile.failedRun(lastFailure, context: "every case failed to run")
            verdict.testsTotal = cases.count
            verdict.runSeconds = runSeconds
            return verdict
        }
        var verdict = Verdict(
            reward: Reward.tests(passed: passed, total: cases.count), outcome: passed == cases.count ? .passed : .failedTests,
            testsPassed: passed, testsTotal: cases.count, compileSeconds: compile.seconds, runSeconds: runSeconds, runEnd: "exit 0",
            detail: passed == cases.count
                ? "\(passed)/\(cases.count) I/O cases passed" : "\(passed)/\(cases.count) I/O cases passed; " + (firstProblem ?? ""))
        verdict.run = records.last { $0.status == .ok }?.run
        return verdict
    }
}
