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
    /// Where hf_driver.py is, as the jail sees it: with Python, the driver judges the test
    /// program from a process of its own, and the token never enters the program.
    var harnessDir: String?
    /// Forwarded test programs built before (none: each sample builds its own).
    var testPrograms: TestProgramCache?
    /// The driver's file in harnessDir (hf_driver.py, or its .pyc).
    var driver = "hf_driver.py"

    /// The judge's command line, when this host can run it.
    private var judge: [String]? {
        guard let python = toolchains.python, let harnessDir else { return nil }
        return [python.path, "-I", "-S", harnessDir + "/" + driver]
    }

    func verify(_ sample: Sample, source: String, in scratch: Scratch) async -> Verdict {
        let cplusplus = sample.language == .cpp
        guard let compiler = cplusplus ? toolchains.cxx : toolchains.cc else {
            return Verdict(reward: 0, outcome: .error, detail: toolchains.problems.first ?? "no compiler")
        }
        let evidence = Evidence()
        let fileName = cplusplus ? "main.cpp" : "main.c"
        var program = source
        var staticAsserts = 0
        // The prompt's declaration: the test calls the candidate through exactly that signature.
        let entry = PythonVerifier.prompt(of: sample).flatMap(CEntryPoint.init(prompt:))
        // The candidate as its own program behind a stub, when its signature crosses as data.
        if cplusplus, let test = sample.test, sample.io.isEmpty, let entry, let judge, CForwarding.canForward(entry),
            let verdict = await verifyForwarded(sample, source: source, test: test, entry: entry, compiler: compiler.path, judge: judge, in: scratch)
        {
            return verdict
        }
        // C: the prompt's declaration, or the function the task names as the candidate wrote it
        // (the tests call that one in-process too); arithmetic types, bool and strings cross.
        if !cplusplus, let test = sample.test, sample.io.isEmpty, let judge,
            let cEntry = entry ?? CForwarding.cEntry(source: source, name: sample.entryPoint), CForwarding.canForwardC(cEntry),
            let verdict = await verifyForwarded(sample, source: source, test: test, entry: cEntry, compiler: compiler.path, judge: judge, in: scratch)
        {
            return verdict
        }
        if let test = sample.test {
            (program, staticAsserts) = CHarness.program(
                candidate: source, test: test, evidence: evidence, cplusplus: cplusplus, judged: judge != nil, entry: entry)
        }
        do {
            try scratch.write(fileName, program)
        } catch {
            return Verdict(reward: 0, outcome: .error, detail: "cannot write the source: \(error)")
        }
        let willRun = sample.hasTests || configuration.runWithoutTests
        var compile = CompileCommand(
            candidate: configuration, compiler: compiler.path, cplusplus: cplusplus, willRun: willRun, source: fileName,
            output: willRun ? "prog" : "prog.o")
        if cplusplus, let (pch, dir) = precompiledHeaders, PrecompiledHeaders.wants(source), pch.ready(compiler: compiler.path, flags: compile.codeFlags) {
            compile.includeDirs.append(dir)
        }
        if willRun { compile.linkFlags = toolchains.linkFlags }
        let compiled = await jail.run(compile.argv, in: scratch, limits: configuration.compileLimits)
        var rung: CompileRung
        switch CompileRung.judge(compiled, scratch: scratch.hostPath) {
        case .ended(let verdict): return verdict
        case .compiled(let compiledRung): rung = compiledRung
        }
        if rung.warnings.isEmpty, let control = CSourceScan.everyReading(source).diagnosticsControl {
            rung.warnings = await uncontrolledWarnings(
                control, compiler: compiler.path, cplusplus: cplusplus, optimization: willRun ? configuration.optimization : "-O0",
                fileName: fileName, in: scratch)
        }
        guard willRun else { return rung.verdict }
        // The harness source holds the tests: the program must not find them on disk.
        scratch.remove(fileName)
        let argvRun = [scratch.path + "/prog"]
        if !sample.io.isEmpty {
            return await IOTests.run(sample.io, argv: argvRun, jail: jail, scratch: scratch, limits: configuration.runLimits, compile: rung)
        }
        var stdin = sample.test == nil ? Data() : Data((evidence.token + "\n").utf8)
        var argvJudged = argvRun
        if sample.test != nil, let judge {
            let payload: [String: JSONValue] = [
                "token": .string(evidence.token), "report_fd": .int(Int(evidence.reportFD)), "mode": .string("native"),
                "argv": .array(argvRun.map(JSONValue.string)), "record_fd": .int(Int(CHarness.recordFD)), "names": .string(evidence.names),
            ]
            stdin = Data((JSONValue.object(payload).serialized + "\n").utf8)
            argvJudged = judge
        }
        let record = await jail.run(
            argvJudged, in: scratch, limits: configuration.runLimits, stdin: stdin, reportFD: sample.test == nil ? nil : evidence.reportFD)
        guard sample.test != nil else { return Ladder.verdict(rung, .bare(record)) }
        var verdict = Ladder.verdict(rung, .harness(record, evidence.parse(record.reportText), staticTotal: staticAsserts))
        guard record.status != .internalError else { return verdict }
        let scan = CSourceScan.everyReading(source)
        // The test's own helpers (issame) compare with == and != that such an overload takes over;
        // a candidate that removes the entry point's renaming macro would put itself before the test.
        let unwrapped = entry.flatMap { e in scan.directives.contains { ["undef", "define"].contains($0.name) && $0.tokens.first == e.name } ? e.name : nil }
        let problem = unwrapped.map { "a #define or #undef of \($0)" } ?? (cplusplus ? scan.comparisonOverload : nil)
        if let problem, verdict.reward > Reward.ran {
            verdict.reward = Reward.ran
            verdict.outcome = .failedTests
            verdict.testsPassed = 0
            verdict.detail = "the candidate declares \(problem): the tests' comparisons cannot be trusted; " + verdict.detail
        }
        // The asserts and their counts share the program's process: a candidate that writes a
        // report of its own is stopped by no process boundary, only by the checks above.
        verdict.detail += "; integrity: in-process" + (judge == nil ? " (token in the program)" : "")
        return verdict
    }
}

extension CFamilyVerifier {
    /// Two programs: the candidate's (its code, linked to a prebuilt main that answers calls)
    /// and the test program (the prompt's helpers, a stub with the declaration, the harness and
    /// the tests). The judge starts the test program, then the candidate's. nil when the test
    /// program or the answering main does not build (neither holds candidate code): the caller
    /// judges in-process. C candidates are compiled as C and their test program is C.
    func verifyForwarded(
        _ sample: Sample, source: String, test: String, entry: CEntryPoint, compiler: String, judge: [String], in scratch: Scratch
    ) async -> Verdict? {
        let cplusplus = sample.language == .cpp
        guard let cxx = cplusplus ? compiler : toolchains.cxx?.path else { return nil }
        let evidence = Evidence()
        let n = evidence.names
        let fileName = cplusplus ? "main.cpp" : "main.c"
        // A name the candidate cannot guess: no #include of the tests while both compile.
        let testFile = "hf_\(n)_test" + (cplusplus ? ".cpp" : ".c")
        let testProgram = "hf_\(n)_test"
        let standard = "-std=" + (cplusplus ? configuration.cppStandard : configuration.cStandard)
        // The answering main and a C++ test program hold none of the candidate's code, so their
        // standard need not be the sample's: C++17 where the sample's is later (C++20 makes
        // std::string constexpr, and every program then emits its members: 0.15 instead of
        // 0.20 CPU-s a compile here). The sample's own standard where one does not build so.
        let cxxStandard = CForwarding.testStandard(configuration.cppStandard)
        let ownStandard = "-std=" + configuration.cppStandard
        // They parse the same standard headers every time: precompiled, once.
        var answerFlags = [cxxStandard, "-O0"] + configuration.extraFlags
        var fallbackFlags = cxxStandard == ownStandard ? nil : [ownStandard, "-O0"] + configuration.extraFlags
        var header: String?
        var candidateHeader: String?
        var candidateSource = source
        var includeDir: String?
        if let (pch, dir) = precompiledHeaders {
            header = "#include <\(PrecompiledHeaders.forwarding)>\n"
            answerFlags += ["-I", dir]
            fallbackFlags? += ["-I", dir]
            _ = pch.ready(compiler: cxx, flags: [cxxStandard, "-O0"] + configuration.extraFlags, header: PrecompiledHeaders.forwarding)
            // The candidate's own leading includes, exactly those, precompiled for its flags.
            if cplusplus, let (name, rest) = pch.leadingIncludes(of: source) {
                candidateHeader = "#include <\(name)>\n"
                candidateSource = rest
                includeDir = dir
                _ = pch.ready(compiler: compiler, flags: [standard, configuration.optimization] + configuration.extraFlags, header: name, after: 2)
            }
        }
        let testFlags = cplusplus ? answerFlags : [standard, "-O0"] + configuration.extraFlags
        let (testSource, staticAsserts) = cplusplus
            ? CForwarding.testProgram(entry: entry, test: test, evidence: evidence, header: header)
            : CForwarding.testProgramC(entry: entry, test: test, evidence: evidence)
        // The answering main depends only on the signature: one object per signature, linked
        // to each sample, so the sample's own compile (-O2, warnings) holds only its code.
        let answerFile = "hf_answer.cpp"
        let answerObject = "hf_answer.o"
        let cacheKey = TestProgramCache.key(compiler: compiler, flags: testFlags + configuration.libraries, entry: entry, test: test)
        let answerKey = (["answer", cplusplus ? "c++" : "c", cxx] + answerFlags + [CForwarding.signatureKey(entry)]).joined(separator: "\u{0}")
        let cachedTest = testPrograms?.program(for: cacheKey)
        let cachedAnswer = testPrograms?.program(for: answerKey)
        do {
            try scratch.write(fileName, CForwarding.candidateProgram(candidate: candidateSource, entry: entry, names: n, header: candidateHeader))
            if cachedTest == nil { try scratch.write(testFile, testSource) }
            if cachedAnswer == nil {
                try scratch.write(
                    answerFile,
                    cplusplus ? CForwarding.answerProgram(entry: entry, header: header) : CForwarding.answerProgramC(entry: entry, header: header))
            }
        } catch {
            return Verdict(reward: 0, outcome: .error, detail: "cannot write the source: \(error)")
        }
        var compile = CompileCommand(candidate: configuration, compiler: compiler, cplusplus: cplusplus, willRun: true, source: fileName, output: "prog")
        compile.sources.append(answerObject)
        // A C candidate is linked by the C driver: the answering main needs the C++ runtime.
        if !cplusplus { compile.libraries.append("-lstdc++") }
        compile.linkFlags = toolchains.linkFlags
        if let (pch, dir) = precompiledHeaders, includeDir == nil, cplusplus, PrecompiledHeaders.wants(source),
            pch.ready(compiler: compiler, flags: compile.codeFlags)
        {
            compile.includeDirs.append(dir)
        }
        if let includeDir { compile.includeDirs.append(includeDir) }
        let argv = compile.argv
        // The test program's warnings are not the candidate's, and its work is the test's: -O0 -w.
        let testArgv = [compiler] + testFlags + ["-pipe", "-w"] + toolchains.linkFlags + ["-o", testProgram, testFile] + configuration.libraries
        let fallbackTestArgv = cplusplus
            ? fallbackFlags.map { [compiler] + $0 + ["-pipe", "-w"] + toolchains.linkFlags + ["-o", testProgram, testFile] + configuration.libraries } : nil
        let (jail, limits) = (jail, configuration.compileLimits)
        func buildTest() async -> RunRecord? {
            guard cachedTest == nil else { return nil }
            let record = await jail.run(testArgv, in: scratch, limits: limits)
            guard record.status != .ok, let fallbackTestArgv else { return record }
            return await jail.run(fallbackTestArgv, in: scratch, limits: limits)
        }
        async let testCompile = buildTest()
        func place(_ bytes: Data, as name: String, mode: mode_t) -> Bool {
            let path = scratch.hostPath + "/" + name
            return FileManager.default.createFile(atPath: path, contents: bytes) && chmod(path, mode) == 0
        }
        var answerBuilt: Bool
        if let cachedAnswer {
            answerBuilt = place(cachedAnswer, as: answerObject, mode: 0o644)
        } else {
            answerBuilt = await jail.run([cxx] + answerFlags + ["-pipe", "-w", "-c", "-o", answerObject, answerFile], in: scratch, limits: limits)
                .status == .ok
            if !answerBuilt, let fallbackFlags {
                answerBuilt = await jail.run([cxx] + fallbackFlags + ["-pipe", "-w", "-c", "-o", answerObject, answerFile], in: scratch, limits: limits)
                    .status == .ok
            }
            scratch.remove(answerFile)
            if answerBuilt, let bytes = FileManager.default.contents(atPath: scratch.hostPath + "/" + answerObject) {
                testPrograms?.store(bytes, for: answerKey)
            }
        }
        let compiled: RunRecord? = answerBuilt ? await jail.run(argv, in: scratch, limits: limits) : nil
        scratch.remove(answerObject)
        var testBuilt: Bool
        if let cachedTest {
            testBuilt = place(cachedTest, as: testProgram, mode: 0o755)
        } else {
            testBuilt = await testCompile?.status == .ok
            scratch.remove(testFile)
            if testBuilt, let bytes = FileManager.default.contents(atPath: scratch.hostPath + "/" + testProgram) {
                testPrograms?.store(bytes, for: cacheKey)
            }
        }
        // Neither program holds the candidate's code but its own TU: a failure there is ours,
        // and the sample is judged in-process instead.
        guard testBuilt, let compiled else {
            _ = await testCompile
            scratch.remove(fileName)
            scratch.remove(testProgram)
            scratch.remove("prog")
            return nil
        }
        var rung: CompileRung
        switch CompileRung.judge(compiled, scratch: scratch.hostPath) {
        case .ended(let verdict):
            scratch.remove(testProgram)
            return verdict
        case .compiled(let compiledRung): rung = compiledRung
        }
        if rung.warnings.isEmpty, let control = CSourceScan.everyReading(source).diagnosticsControl {
            rung.warnings = await uncontrolledWarnings(
                control, compiler: compiler, cplusplus: cplusplus, optimization: configuration.optimization, fileName: fileName,
                includeDir: includeDir, in: scratch)
        }
        scratch.remove(fileName)
        let payload: [String: JSONValue] = [
            "token": .string(evidence.token), "report_fd": .int(Int(evidence.reportFD)), "mode": .string("native"),
            "argv": .array([.string(scratch.path + "/" + testProgram)]), "record_fd": .int(Int(CHarness.recordFD)),
            "names": .string(n), "candidate_argv": .array([.string(scratch.path + "/prog")]),
            "candidate_fds": .array([.int(Int(CForwarding.candidateFDs.calls)), .int(Int(CForwarding.candidateFDs.answers))]),
            "test_fds": .array([.int(Int(CForwarding.testFDs.answers)), .int(Int(CForwarding.testFDs.calls))]),
        ]
        let record = await jail.run(
            judge, in: scratch, limits: configuration.runLimits, stdin: Data((JSONValue.object(payload).serialized + "\n").utf8),
            reportFD: evidence.reportFD)
        scratch.remove(testProgram)
        var verdict = Ladder.verdict(rung, .harness(record, evidence.parse(record.reportText), staticTotal: staticAsserts))
        guard record.status != .internalError else { return verdict }
        let scan = CSourceScan.everyReading(source)
        if scan.directives.contains(where: { ["undef", "define"].contains($0.name) && $0.tokens.first == entry.name }), verdict.reward > Reward.ran {
            verdict.reward = Reward.ran
            verdict.outcome = .failedTests
            verdict.testsPassed = 0
            verdict.detail = "the candidate declares a #define or #undef of \(entry.name): its answers cannot be trusted; " + verdict.detail
        }
        // The tests, their counts and the record fd live in a process that holds no candidate code.
        verdict.detail += "; integrity: candidate in its own process"
        return verdict
    }

    /// The warnings a source that steers the compiler's diagnostics (`#pragma GCC diagnostic`,
    /// `_Pragma`, `system_header`) would get without that steering: preprocess it, drop those
    /// pragmas and the system-header mark from our own files, and compile the result again.
    /// Line markers in the candidate could pass its code off as a system header: they count as
    /// a warning themselves.
    func uncontrolledWarnings(
        _ control: String, compiler: String, cplusplus: Bool, optimization: String, fileName: String, includeDir: String? = nil,
        in scratch: Scratch
    ) async -> [String] {
        if control.contains("line") { return ["\(control) in the source: its diagnostics are not trusted"] }
        let standard = "-std=" + (cplusplus ? configuration.cppStandard : configuration.cStandard)
        let warnings = configuration.warnings + (cplusplus ? configuration.cppWarnings : [])
        let pre = await jail.run(
            [compiler, standard] + configuration.extraFlags + (includeDir.map { ["-I", $0] } ?? []) + ["-E", "-o", "hf_pp.i", fileName],
            in: scratch, limits: configuration.compileLimits)
        guard pre.status == .ok, let text = try? String(contentsOfFile: scratch.hostPath + "/hf_pp.i", encoding: .utf8) else {
            return ["\(control) in the source, and its diagnostics could not be rechecked (\(pre.summary))"]
        }
        try? scratch.write("hf_pp.i", Self.withoutDiagnosticControl(text, ownFiles: [fileName, "solution", "test", "harness", "forwarding"]))
        let recheck = await jail.run(
            // a real compile, not -fsyntax-only: -Wreturn-type and friends come from later passes
            [compiler, standard, optimization, "-c", "-o", "hf_pp.o", "-fdiagnostics-color=never", "-x", cplusplus ? "c++-cpp-output" : "cpp-output"]
                + configuration.extraFlags + warnings + ["hf_pp.i"],
            in: scratch, limits: configuration.compileLimits)
        scratch.remove("hf_pp.i")
        scratch.remove("hf_pp.o")
        let found = Diagnostics.lines(recheck.stderrText + recheck.stdoutText, kind: "warning", scratch: scratch.hostPath)
        guard recheck.status == .ok else {
            return found.isEmpty ? ["\(control) in the source, and its diagnostics could not be rechecked (\(recheck.summary))"] : found
        }
        return found
    }

    /// Preprocessed text with the diagnostic pragmas of our own files removed and their
    /// line markers stripped of the system-header flag (a self-include after `#pragma GCC
    /// system_header` gets it); real system headers keep both.
    static func withoutDiagnosticControl(_ text: String, ownFiles: Set<String>) -> String {
        var inOwnFile = true
        var out: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# "), let open = line.firstIndex(of: "\""), let close = line.lastIndex(of: "\""), open < close {
                let file = String(line[line.index(after: open)..<close])
                let name = file.split(separator: "/").last.map(String.init) ?? file
                let flags = line[line.index(after: close)...].split(separator: " ")
                inOwnFile = ownFiles.contains(file) || ownFiles.contains(name) || !flags.contains("3")
                out.append(inOwnFile ? line[...close] : line)
                continue
            }
            if inOwnFile {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                if words.first == "#pragma" || (words.first == "#" && words.dropFirst().first == "pragma") {
                    let rest = words.drop { $0 == "#pragma" || $0 == "#" || $0 == "pragma" }
                    let first = rest.first.map(String.init) ?? ""
                    let second = rest.dropFirst().first.map(String.init) ?? ""
                    if (["GCC", "clang"].contains(first) && ["diagnostic", "system_header"].contains(second)) || first == "system_header" {
                        out.append("")
                        continue
                    }
                }
            }
            out.append(line)
        }
        return out.joined(separator: "\n")
    }
}
