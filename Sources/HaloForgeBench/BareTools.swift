internal import Foundation
public import HaloForgeCore
public import HaloForgeVerify

/// `bench verify`: the verifier's throughput against the same work done by the bare tools.
public enum VerifierThroughput {
    /// Seconds to verify `samples` for real (the verdict cache emptied first), and how many
    /// reached reward 1.0.
    public static func verifier(_ samples: [Sample], verifier: Verifier, jobs: Int) async -> (seconds: Double, passed: Int) {
        await verifier.forgetVerdicts()
        let start = Date()
        let verdicts = await verifier.verifyAll(samples, jobs: jobs)
        return (Date().timeIntervalSince(start), verdicts.filter { $0.reward == Reward.passed }.count)
    }
}

/// The same work as bare tool invocations: no sandbox, no harness, no limits.
public struct BareTools: SampleVerifier {
    let verifier: Verifier
    let folder: String
    /// The verifier's flags for the compiles; otherwise the plain commands
    /// `g++ -std=c++17 t.cpp`, `gcc t.c -lm` that a throughput target is stated against.
    let likeVerifier: Bool

    public init(verifier: Verifier, likeVerifier: Bool = false) throws {
        self.verifier = verifier
        self.likeVerifier = likeVerifier
        folder = FileManager.default.temporaryDirectory.path + "/halo-forge-bare-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// Seconds for every sample, at most `jobs` at a time, and how many ran to exit 0.
    public func time(_ samples: [Sample], jobs: Int) async -> (seconds: Double, passed: Int) {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let start = Date()
        // Each sample its own folder: the pool hands samples out by index.
        let numbered = samples.enumerated().map { i, sample in
            var sample = sample
            sample.id = "\(i)"
            return sample
        }
        let verdicts = await verifyAll(numbered, jobs: jobs)
        return (Date().timeIntervalSince(start), verdicts.filter { $0.outcome == .passed }.count)
    }

    /// `passed` when the bare tools compile the sample with its test and the program exits 0.
    public func verify(_ sample: Sample) async -> Verdict {
        await run(sample) ? Verdict(reward: Reward.passed, outcome: .passed) : Verdict(reward: 0, outcome: .failedTests)
    }

    /// The command that compiles `file` as the bare side does.
    func compileCommand(compiler: String, cplusplus: Bool, willRun: Bool, file: String, output: String) -> CompileCommand {
        if likeVerifier {
            return CompileCommand(
                candidate: verifier.configuration, compiler: compiler, cplusplus: cplusplus, willRun: willRun, source: file, output: output)
        }
        var command = CompileCommand(compiler: compiler, standard: cplusplus ? "c++17" : nil, output: output, sources: [file], link: willRun)
        if !cplusplus { command.libraries = ["-lm"] }
        return command
    }

    func run(_ sample: Sample) async -> Bool {
        let c = verifier.configuration
        let dir = folder + "/" + sample.id
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let code = CodeExtraction.source(of: sample.candidate, language: sample.language)
        switch sample.language {
        case .c, .cpp:
            let cpp = sample.language == .cpp
            guard let compiler = cpp ? verifier.toolchains.cxx : verifier.toolchains.cc else { return false }
            let file = dir + (cpp ? "/t.cpp" : "/t.c")
            try? Data((code + "\n" + (sample.test ?? "")).utf8).write(to: URL(fileURLWithPath: file))
            let willRun = sample.test != nil || !sample.io.isEmpty || c.runWithoutTests
            let compile = compileCommand(
                compiler: compiler.path, cplusplus: cpp, willRun: willRun, file: file, output: dir + (willRun ? "/prog" : "/prog.o"))
            guard await BareTools.spawn(compile.compiler, compile.arguments) == 0 else { return false }
            return willRun ? await BareTools.spawn(dir + "/prog", []) == 0 : true
        case .python:
            guard let python = verifier.toolchains.python else { return false }
            var text = code + "\n" + (sample.test ?? "") + "\n"
            if let entry = sample.entryPoint { text += "check(\(entry))\n" }
            try? Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/t.py"))
            return await BareTools.spawn(python.path, [dir + "/t.py"]) == 0
        case .custom:
            return false
        }
    }

    /// Every path is absolute: where it starts does not matter.
    static func spawn(_ executable: String, _ arguments: [String]) async -> Int32 {
        await Subprocess.run(executable, arguments, stdout: .discard, stderr: .discard).status
    }
}

/// `speed verify`: the best of several rounds of the verifier and of the bare tools on the
/// same samples, and how they compare.
public struct VerifierSpeedComparison: Sendable, CustomStringConvertible {
    public var dataset: String
    public var samples: Int
    public var jobs: Int
    public var isolation: String
    public var likeVerifier: Bool
    public var verifierSeconds = Double.infinity
    public var bareSeconds = Double.infinity
    public var verifierPassed = 0
    public var barePassed = 0

    public init(dataset: String, samples: Int, jobs: Int, isolation: String, likeVerifier: Bool) {
        (self.dataset, self.samples, self.jobs, self.isolation, self.likeVerifier) = (dataset, samples, jobs, isolation, likeVerifier)
    }

    /// Measures `repeats` rounds (at least one), keeping each side's best time; `round` hears
    /// each round's times.
    public static func measure(
        _ samples: [Sample], dataset: String, verifier: Verifier, jobs: Int, repeats: Int, likeVerifier: Bool,
        round: (Int, Double, Double) -> Void = { _, _, _ in }
    ) async throws -> VerifierSpeedComparison {
        var result = VerifierSpeedComparison(
            dataset: dataset, samples: samples.count, jobs: jobs, isolation: verifier.jail.isolation.rawValue, likeVerifier: likeVerifier)
        for index in 1...max(1, repeats) {
            let (sandboxSeconds, passed) = await VerifierThroughput.verifier(samples, verifier: verifier, jobs: jobs)
            let (bareSeconds, bareOK) = try await BareTools(verifier: verifier, likeVerifier: likeVerifier).time(samples, jobs: jobs)
            result.add(verifierSeconds: sandboxSeconds, verifierPassed: passed, bareSeconds: bareSeconds, barePassed: bareOK)
            round(index, sandboxSeconds, bareSeconds)
        }
        return result
    }

    /// One round's measurements: the faster time of each side stays, the pass counts are the latest.
    public mutating func add(verifierSeconds: Double, verifierPassed: Int, bareSeconds: Double, barePassed: Int) {
        self.verifierSeconds = min(self.verifierSeconds, verifierSeconds)
        self.bareSeconds = min(self.bareSeconds, bareSeconds)
        (self.verifierPassed, self.barePassed) = (verifierPassed, barePassed)
    }

    public var verifierRate: Double { Double(samples) / verifierSeconds }
    public var bareRate: Double { Double(samples) / bareSeconds }

    /// The table `speed verify` prints.
    public var description: String {
        """
        dataset            \(dataset) (\(samples) samples, \(jobs) jobs, sandbox: \(isolation))
        halo-forge verify  \(String(format: "%7.1f", verifierRate)) samples/s   \(verifierPassed)/\(samples) reward 1.0
        bare tools         \(String(format: "%7.1f", bareRate)) samples/s   \(barePassed)/\(samples) passed (\(likeVerifier ? "the verifier's flags" : "plain tools"))
        ratio              \(String(format: "%7.2f", verifierRate / bareRate)) (halo-forge / bare)
        """
    }
}
