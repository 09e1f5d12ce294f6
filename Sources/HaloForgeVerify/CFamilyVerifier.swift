internal import Foundation
internal import HaloForgeCore
internal import HaloForgeSandbox

/// gcc or clang for C (as C) and C++ (as C++): compile in the jail, then run the
/// harness, the I/O cases or the bare program in the jail.
struct CFamilyVerifier {
    let configuration: VerifierConfiguration
    let toolchains: Toolchains
    let jail: Jail
    /// g++'s precompiled bits/stdc++.h and where the jail sees it.
    let precompiledHeaders: (PrecompiledHeaders, String)?

    func verify(_ sample: Sample, source: String, in scratch: Scratch) async -> Verdict {
        let cplusplus = sample.language == .cpp
        guard let compiler = cplusplus ? toolchains.cxx : toolchains.cc else {
            return Verdict(reward: 0, outcome: .error, detail: toolchains.problems.first ?? "no compiler")
        }
        let evidence = Evidence()
        let fileName = cplusplus ? "main.cpp" : "main.c"
        var program = source
        var staticAsserts = 0
        if let test = sample.test {
            (program, staticAsserts) = CHarness.program(candidate: source, test: test, evidence: evidence)
        }
        do {
            try scratch.write(fileName, program)
        } catch {
            return Verdict(reward: 0, outcome: .error, detail: "cannot write the source: \(error)")
        }
        let willRun = sample.hasTests || configuration.runWithoutTests
        var argv = [compiler.path, "-std=" + (cplusplus ? configuration.cppStandard : configuration.cStandard)]
        argv += [willRun ? configuration.optimization : "-O0"] + configuration.extraFlags
        if cplusplus, let (pch, dir) = precompiledHeaders, PrecompiledHeaders.wants(source),
            pch.ready(compiler: compiler.path, flags: Array(argv.dropFirst()))
        {
            argv += ["-I", dir]
        }
        argv += ["-pipe", "-fdiagnostics-color=never"] + configuration.warnings + (cplusplus ? configuration.cppWarnings : [])
        argv += willRun ? ["-o", "prog", fileName] + configuration.libraries : ["-c", "-o", "prog.o", fileName]
        let compiled = await jail.run(argv, in: scratch, limits: configuration.compileLimits)
        let rung: CompileRung
        switch CompileRung.judge(compiled, scratch: scratch) {
        case .ended(let verdict): return verdict
        case .compiled(let compiledRung): rung = compiledRung
        }
        guard willRun else { return rung.verdict }
        // The harness source holds the tests: the program must not find them on disk.
        scratch.remove(fileName)
        let argvRun = [scratch.path + "/prog"]
        if !sample.io.isEmpty {
            return await IOTests.run(sample.io, argv: argvRun, jail: jail, scratch: scratch, limits: configuration.runLimits, compile: rung)
        }
        let record = await jail.run(
            argvRun, in: scratch, limits: configuration.runLimits, stdin: sample.test == nil ? Data() : Data((evidence.token + "\n").utf8),
            reportFD: sample.test == nil ? nil : evidence.reportFD)
        if record.status == .internalError {
            return Verdict(reward: 0, outcome: .error, compileSeconds: rung.seconds, runEnd: record.summary, detail: record.summary)
        }
        guard sample.test != nil else {
            guard record.status == .ok else { return rung.failedRun(record) }
            return Verdict(reward: Reward.ran, outcome: .ran, compileSeconds: rung.seconds, runSeconds: record.wallSeconds, runEnd: record.summary, detail: "ran to exit 0")
        }
        return TestVerdict.make(
            report: evidence.parse(record.reportText), record: record, staticTotal: staticAsserts, rung: rung)
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
                runEnd: record.summary, detail: "")
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
                compileSeconds: rung.seconds, runSeconds: record.wallSeconds, runEnd: record.summary,
                detail: "\(why) (\(record.summary))" + (failures.isEmpty ? "" : "; " + failures))
        }
        var verdict = rung.failedRun(record)
        verdict.testsTotal = staticTotal
        if !failures.isEmpty { verdict.detail += "; " + failures }
        return verdict
    }
}
