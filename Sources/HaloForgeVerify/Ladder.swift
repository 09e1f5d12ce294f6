internal import Foundation
internal import HaloForgeCore
internal import HaloForgeSandbox

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
    static func judge(_ compiled: RunRecord, scratch: Scratch) -> Judged {
        if compiled.status == .internalError {
            return .ended(Verdict(reward: 0, outcome: .error, runEnd: compiled.summary, detail: compiled.summary))
        }
        let diagnostics = compiled.stderrText + compiled.stdoutText
        guard compiled.status == .ok else {
            let errors = Diagnostics.lines(diagnostics, kind: "error", scratch: scratch.hostPath)
            var detail = errors.prefix(3).joined(separator: "; ")
            if compiled.status != .runtimeError || errors.isEmpty {
                detail = "compiler ended: \(compiled.summary)" + (detail.isEmpty ? "" : "; " + detail)
            }
            return .ended(Verdict(
                reward: Reward.syntaxError, outcome: .syntaxError, compileSeconds: compiled.wallSeconds, runEnd: compiled.summary, detail: detail))
        }
        return .compiled(CompileRung(seconds: compiled.wallSeconds, warnings: Diagnostics.lines(diagnostics, kind: "warning", scratch: scratch.hostPath)))
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
            reward: reward, outcome: outcome, compileSeconds: seconds, runSeconds: record.wallSeconds,
            runEnd: record.summary, detail: detail)
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
    /// A run the sandbox itself could not carry out: the sample gets an `error` verdict.
    private struct SandboxFailure: Error {
        var record: RunRecord
    }

    static func run(
        _ cases: [IOCase], argv: [String], jail: Jail, scratch: Scratch, limits: Limits, compile: CompileRung,
        environment: [String: String] = Jail.environment
    ) async -> Verdict {
        do {
            return try await run(cases, compile: compile) { _, testCase in
                let record = await jail.run(argv, in: scratch, limits: limits, stdin: Data(testCase.stdin.utf8), environment: environment)
                if record.status == .internalError { throw SandboxFailure(record: record) }
                return record
            }
        } catch let failure as SandboxFailure {
            let record = failure.record
            return Verdict(reward: 0, outcome: .error, compileSeconds: compile.seconds, runSeconds: record.wallSeconds, runEnd: record.summary, detail: record.summary)
        } catch {
            return Verdict(reward: 0, outcome: .error, compileSeconds: compile.seconds, detail: "\(error)")
        }
    }

    /// Scores I/O cases, each run by `runCase` (in the local jail or on a remote host).
    static func run(
        _ cases: [IOCase], compile: CompileRung, runCase: (Int, IOCase) async throws -> RunRecord
    ) async throws -> Verdict {
        var passed = 0
        var ranCleanly = 0
        var firstProblem: String?
        var lastFailure: RunRecord?
        var runSeconds = 0.0
        for (i, testCase) in cases.enumerated() {
            let record = try await runCase(i, testCase)
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
        return Verdict(
            reward: Reward.tests(passed: passed, total: cases.count), outcome: passed == cases.count ? .passed : .failedTests,
            testsPassed: passed, testsTotal: cases.count, compileSeconds: compile.seconds, runSeconds: runSeconds, runEnd: "exit 0",
            detail: passed == cases.count
                ? "\(passed)/\(cases.count) I/O cases passed" : "\(passed)/\(cases.count) I/O cases passed; " + (firstProblem ?? ""))
    }
}
