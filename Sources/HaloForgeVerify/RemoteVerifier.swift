internal import Foundation
internal import HaloForgeCore
internal import HaloForgeSandbox
internal import Synchronization

/// C and C++ verified on a build host over SSH: upload and compile in one session,
/// then one session per run (the harness, or each I/O case), all over one
/// multiplexed connection. Each sample gets a scratch folder of its own on the host,
/// removed by its last session (or by a cleanup session when a step failed). The
/// verdicts follow the local ladder: MSVC's `warning C4xxx` and gcc's `warning:` → 0.3.
final class RemoteVerifier: Sendable {
    let remote: RemoteConfiguration
    let configuration: VerifierConfiguration
    let connection: SSHConnection
    /// Introduces the status line of every step's answer.
    private let marker = "hf-" + Evidence.randomHex(16) + ":"
    /// Names this verifier's scratch folders on the host.
    private let prefix = Evidence.randomHex(8)
    private let counter = Atomic<Int>(0)
    /// Local bound on a session beyond the remote limit: the connection itself may stall.
    static let sessionGraceSeconds = 60.0

    init(configuration: VerifierConfiguration, remote: RemoteConfiguration) throws {
        self.configuration = configuration
        self.remote = remote
        connection = try SSHConnection(host: remote.host, arguments: remote.sshArguments, sessions: remote.sessions)
    }

    /// The scratch folder of sample number `n`, as an expression of the host's shell.
    func scratchExpression(_ name: String) -> String {
        switch remote.kind {
        case .posix:
            if let root = remote.scratchRoot { return RemoteShell.posixQuote(root + "/" + name) }
            return "\"${TMPDIR:-/tmp}\"/" + name
        case .powershell, .cmd:
            if let root = remote.scratchRoot { return RemoteShell.powershellQuote(root + "\\" + name) }
            return "(Join-Path $env:TEMP '\(name)')"
        }
    }

    func verify(_ sample: Sample, source: String) async -> Verdict {
        guard sample.language == .c || sample.language == .cpp else {
            return Verdict(reward: 0, outcome: .error, detail: "the remote build host verifies C and C++ only")
        }
        let cplusplus = sample.language == .cpp
        let windows = remote.kind.isWindows
        let evidence = Evidence()
        let reportMarker = "hf" + evidence.names + "|"
        let sourceName = cplusplus ? "main.cpp" : "main.c"
        let outputName = windows ? "prog.exe" : "prog"
        var program = source
        var staticAsserts = 0
        if let test = sample.test {
            (program, staticAsserts) = RemoteHarness.program(candidate: source, test: test, evidence: evidence, marker: reportMarker)
        }
        let willRun = sample.hasTests || configuration.runWithoutTests
        let name = "hf-\(prefix)-\(counter.add(1, ordering: .relaxed).newValue)"
        let dir = scratchExpression(name)
        var template = remote.compileTemplate(cplusplus: cplusplus, compileOnly: !willRun, local: configuration)
        template = template.replacingOccurrences(of: "{compile_only}", with: willRun ? "" : (windows ? "/c" : "-c"))
        let compile = RemoteStep(
            command: expand(template, source: sourceName, output: outputName), limits: configuration.compileLimits,
            createScratch: true, upload: sourceName, removeAfter: [sourceName], removeScratch: !willRun)
        var scratchLeft = willRun
        do {
            let compiled = try await step(compile, dir: dir, input: Data(program.utf8))
            let rung: CompileRung
            switch CompileRung.judge(compiled, lines: { RemoteDiagnostics.lines($0, kind: $1) }) {
            case .ended(let verdict):
                if scratchLeft { await cleanup(dir) }
                return verdict
            case .compiled(let compiledRung): rung = compiledRung
            }
            guard willRun else { return rung.verdict }
            var run = RemoteStep(command: runCommand(outputName), limits: configuration.runLimits)
            run.direct = windows && remote.run == nil
            if !sample.io.isEmpty {
                let cases = sample.io
                return try await IOTests.run(cases, compile: rung) { index, testCase in
                    var last = run
                    last.removeScratch = index == cases.count - 1
                    if last.removeScratch { scratchLeft = false }
                    return try await self.step(last, dir: dir, input: Data(testCase.stdin.utf8))
                }
            }
            run.removeScratch = true
            scratchLeft = false
            var record = try await step(run, dir: dir, input: sample.test == nil ? Data() : Data((evidence.token + "\n").utf8))
            guard sample.test != nil else { return Ladder.verdict(rung, .bare(record)) }
            let stdout = record.stdoutText
            record.report = Data(RemoteHarness.report(in: stdout, marker: reportMarker).utf8)
            record.stdout = Data(RemoteHarness.candidateOutput(stdout, marker: reportMarker).utf8)
            return Ladder.verdict(rung, .harness(record, evidence.parse(record.reportText), staticTotal: staticAsserts))
        } catch {
            if scratchLeft { await cleanup(dir) }
            return Verdict(reward: 0, outcome: .error, detail: "\(error)")
        }
    }

    private func expand(_ template: String, source: String, output: String) -> String {
        template.replacingOccurrences(of: "{source}", with: source).replacingOccurrences(of: "{output}", with: output)
    }

    private func runCommand(_ output: String) -> String {
        if let run = remote.run { return expand(run, source: "", output: output) }
        return remote.kind.isWindows ? output : "./" + output
    }

    /// One step in one session: its answer as a run record.
    private func step(_ step: RemoteStep, dir: String, input: Data) async throws -> RunRecord {
        let command = RemoteScript.session(step, kind: remote.kind, dir: dir, marker: marker)
        let result = try await connection.run(command, input: input, timeout: step.limits.wallSeconds + Self.sessionGraceSeconds)
        if result.timedOut {
            throw JailError("the ssh session to \(remote.host) did not end within \(Int(step.limits.wallSeconds + Self.sessionGraceSeconds)) s")
        }
        let outcome = try RemoteScript.parse(result.stdout, marker: marker, limits: step.limits)
        return RemoteScript.record(outcome, kind: remote.kind, limits: step.limits, wallSeconds: result.seconds)
    }

    private func cleanup(_ dir: String) async {
        _ = try? await connection.run(RemoteScript.cleanup(kind: remote.kind, dir: dir), input: Data(), timeout: 60)
    }
}

/// Compiler diagnostics of gcc, clang and MSVC.
enum RemoteDiagnostics {
    /// Lines naming an error or a warning: `file:3:5: warning: …` or `file(3): warning C4244: …`.
    static func lines(_ text: String, kind: String) -> [String] {
        // isNewline: "\r\n" (Windows) is one Character to Swift.
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let gnu = line.contains(" \(kind): ") || line.hasPrefix("\(kind): ")
            guard gnu || isMSVC(line, kind: kind) else { return nil }
            return Diagnostics.clean(String(line), scratch: "/nonexistent")
        }
    }

    /// MSVC: `warning C4244:`, `error C2065:` (compiler), `error LNK2019:` (linker),
    /// `fatal error C1083:`; command-line notes (`warning D9002`) are not about the code.
    static func isMSVC(_ line: Substring, kind: String) -> Bool {
        var rest = line[...]
        while let range = rest.range(of: " \(kind) ") {
            let code = rest[range.upperBound...].prefix { $0 != ":" }
            let letters = code.prefix { $0.isLetter }
            let digits = code.dropFirst(letters.count)
            if (letters == "C" || letters == "LNK") && digits.count == 4 && digits.allSatisfy(\.isNumber) { return true }
            rest = rest[range.upperBound...]
        }
        return false
    }
}

