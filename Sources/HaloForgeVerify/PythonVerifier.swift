internal import Foundation
internal import HaloForgeCore
internal import HaloForgeSandbox

/// Python: compile, import, then HumanEval/MBPP asserts, pytest or unittest, all
/// through halo-forge's driver in the jail, which reports on its own channel.
///
/// The Python ladder: 0.0 does not compile (SyntaxError) or importing raises/hangs;
/// 0.3 compiles with SyntaxWarning/DeprecationWarning and verification stops there;
/// 0.5 compiles and imports clean; 0.7 runs (or its tests run) without crashing;
/// 0.7–1.0 by the fraction of tests passed; 1.0 every test passed.
struct PythonVerifier {
    let configuration: VerifierConfiguration
    let toolchains: Toolchains
    let jail: Jail
    /// Where the driver and the pytest plugin are, as the jail sees them.
    let harnessDir: String
    /// The driver's file in harnessDir (hf_driver.py, or its .pyc).
    var driver = "hf_driver.py"

    func verify(_ sample: Sample, source: String, in scratch: Scratch) async -> Verdict {
        guard let python = toolchains.python else {
            return Verdict(reward: 0, outcome: .error, detail: toolchains.problems.first ?? "no Python")
        }
        do {
            try scratch.write("solution.py", source)
        } catch {
            return Verdict(reward: 0, outcome: .error, detail: "cannot write the source: \(error)")
        }
        if !sample.io.isEmpty {
            return await verifyIO(sample, python: python, in: scratch)
        }
        let evidence = Evidence()
        let mode: String
        let argv = [python.path, "-I", "-S", harnessDir + "/" + driver]
        switch (sample.test, sample.testFramework) {
        case (nil, _): mode = configuration.runWithoutTests ? "run" : "import"
        case (_?, .asserts): mode = "tests"
        case (_?, .unittest): mode = "unittest"
        case (_?, .pytest): mode = "pytest"
        }
        let payload: [String: JSONValue] = [
            "token": .string(evidence.token), "report_fd": .int(Int(evidence.reportFD)), "mode": .string(mode),
            "code_path": .string(scratch.path + "/solution.py"),
            "test": sample.test.map(JSONValue.string) ?? .null, "prompt": Self.prompt(of: sample).map(JSONValue.string) ?? .null,
            "harness_dir": .string(harnessDir),
            "entry_point": sample.entryPoint.map(JSONValue.string) ?? .null,
            "site_paths": .array(toolchains.pythonSitePaths.map(JSONValue.string)), "names": .string(evidence.names),
        ]
        let record = await jail.run(
            argv, in: scratch, limits: configuration.runLimits, stdin: Data((JSONValue.object(payload).serialized + "\n").utf8),
            reportFD: evidence.reportFD)
        return Ladder.python(record, evidence.parse(record.reportText), mode: mode)
    }

    /// The prompt a completion continues (or a record's `prompt`): the judge takes the helpers
    /// it defines from here, not from the candidate's redefinitions.
    static func prompt(of sample: Sample) -> String? {
        if case .completion(_, let prompt?) = sample.candidate { return prompt }
        return sample.record["prompt"]?.stringValue
    }

    /// I/O cases run the file as a script; compile checks come first from the driver.
    private func verifyIO(_ sample: Sample, python: Tool, in scratch: Scratch) async -> Verdict {
        let compiled = await compileOnly(python: python, in: scratch)
        if let failure = compiled.failure { return failure }
        return await IOTests.run(
            sample.io, argv: [python.path, "-I", scratch.path + "/solution.py"], jail: jail, scratch: scratch,
            limits: configuration.runLimits, compile: compiled.rung)
    }

    /// Byte-compiles without running: a syntax error ends the sample, warnings are kept.
    private func compileOnly(python: Tool, in scratch: Scratch) async -> (rung: CompileRung, failure: Verdict?) {
        let script = """
            import sys, warnings
            src = open('solution.py', encoding='utf-8').read()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter('always')
                try:
                    compile(src, 'solution.py', 'exec')
                except (SyntaxError, ValueError) as e:
                    print('S', f'{type(e).__name__}: {e}'.replace('\\n', ' ')); sys.exit(0)
            for w in caught:
                print('W', f'line {w.lineno}: {w.category.__name__}: {w.message}'.replace('\\n', ' '))
            print('C')
            """
        let record = await jail.run([python.path, "-I", "-S", "-c", script], in: scratch, limits: configuration.compileLimits)
        let lines = record.stdoutText.split(separator: "\n")
        if let syntax = lines.first(where: { $0.hasPrefix("S ") }) {
            return (CompileRung(seconds: record.wallSeconds, warnings: []), Verdict(reward: 0, outcome: .syntaxError, compileSeconds: record.wallSeconds, detail: String(syntax.dropFirst(2))))
        }
        guard record.status == .ok, lines.contains("C") else {
            return (CompileRung(seconds: 0, warnings: []), Verdict(reward: 0, outcome: .error, ended: record, detail: "compile check failed: \(record.summary)"))
        }
        let warnings = lines.filter { $0.hasPrefix("W ") }.map { String($0.dropFirst(2)) }
        return (CompileRung(seconds: record.wallSeconds, warnings: warnings), nil)
    }
}
