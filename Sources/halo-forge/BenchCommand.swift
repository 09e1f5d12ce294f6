import ArgumentParser
import Foundation
import HaloForgeCore
import HaloForgeData
import HaloForgeVerify

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed.",
        subcommands: [VerifyBench.self, GenerateBench.self, TrainBench.self])

    struct VerifyBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verifier throughput against the bare tools on a dataset's reference solutions.",
            discussion: """
                Runs the same samples twice with the same parallelism: through halo-forge's sandboxed
                verifier at its settings, and as bare tool invocations (no sandbox, no harness):
                `g++ -std=c++17 t.cpp && ./t`, `python3 t.py` (C: `gcc t.c -lm && ./t`), and prints
                samples/s of each and their ratio. --bare-like-verifier gives the bare compiles the
                verifier's standard, optimisation and warning flags instead.
                """)

        @Option(help: "Dataset: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")).")
        var dataset: DatasetName = .humanevalXCpp

        @Option(help: "Folder with the dataset files (default: $HALO_FORGE_DATASETS, else the datasets that ship with halo-forge).")
        var datasets: String?

        @Option(help: "Use only the first N problems (0: all).")
        var limit: Int = 0

        @Option(help: "Repeat each measurement R times and keep the best.")
        var repeats: Int = 1

        @Flag(help: "Compile the bare side with the verifier's standard, optimisation and warning flags.")
        var bareLikeVerifier = false

        @OptionGroup var options: VerifierOptions

        func run() async throws {
            var (samples, skipped) = try Datasets.load(dataset, folder: datasets ?? Datasets.defaultFolder())
            if limit > 0 { samples = Array(samples.prefix(limit)) }
            if !skipped.isEmpty { Terminal.note("skipped: \(skipped.joined(separator: ", "))") }
            let verifier = try options.makeVerifier()
            let jobs = options.jobs
            Terminal.note("\(dataset.rawValue): \(samples.count) samples, \(jobs) jobs")

            var bestSandbox = Double.infinity
            var bestBare = Double.infinity
            var sandboxPassed = 0
            var barePassed = 0
            for round in 1...max(1, repeats) {
                let (sandboxSeconds, passed) = try await timeSandbox(samples, verifier: verifier, jobs: jobs)
                bestSandbox = min(bestSandbox, sandboxSeconds)
                sandboxPassed = passed
                let bare = try BareTools(verifier: verifier, likeVerifier: bareLikeVerifier)
                let (bareSeconds, bareOK) = try await bare.time(samples, jobs: jobs)
                bestBare = min(bestBare, bareSeconds)
                barePassed = bareOK
                Terminal.note(String(format: "round %d: halo-forge %.2f s, bare tools %.2f s", round, sandboxSeconds, bareSeconds))
            }
            let sandboxRate = Double(samples.count) / bestSandbox
            let bareRate = Double(samples.count) / bestBare
            print("""
                dataset            \(dataset.rawValue) (\(samples.count) samples, \(jobs) jobs, sandbox: \(verifier.jail.isolation.rawValue))
                halo-forge verify  \(String(format: "%7.1f", sandboxRate)) samples/s   \(sandboxPassed)/\(samples.count) reward 1.0
                bare tools         \(String(format: "%7.1f", bareRate)) samples/s   \(barePassed)/\(samples.count) passed (\(bareLikeVerifier ? "the verifier's flags" : "plain tools"))
                ratio              \(String(format: "%7.2f", sandboxRate / bareRate)) (halo-forge / bare)
                """)
        }

        func timeSandbox(_ samples: [Sample], verifier: Verifier, jobs: Int) async throws -> (Double, Int) {
            await verifier.forgetVerdicts()  // every round verifies for real
            let start = Date()
            let verdicts = await withTaskGroup(of: Verdict.self) { group in
                var verdicts: [Verdict] = []
                var iterator = samples.makeIterator()
                for _ in 0..<jobs {
                    guard let sample = iterator.next() else { break }
                    group.addTask { await verifier.verify(sample) }
                }
                while let verdict = await group.next() {
                    verdicts.append(verdict)
                    if let sample = iterator.next() { group.addTask { await verifier.verify(sample) } }
                }
                return verdicts
            }
            return (Date().timeIntervalSince(start), verdicts.filter { $0.reward == 1.0 }.count)
        }
    }
}

/// The same work as bare tool invocations: no sandbox, no harness, no limits.
struct BareTools {
    let verifier: Verifier
    let folder: String
    /// The verifier's flags for the compiles; otherwise the plain commands
    /// `g++ -std=c++17 t.cpp`, `gcc t.c -lm` that a throughput target is stated against.
    let likeVerifier: Bool

    init(verifier: Verifier, likeVerifier: Bool = false) throws {
        self.verifier = verifier
        self.likeVerifier = likeVerifier
        folder = FileManager.default.temporaryDirectory.path + "/halo-forge-bare-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func time(_ samples: [Sample], jobs: Int) async throws -> (Double, Int) {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let start = Date()
        let passed = await withTaskGroup(of: Bool.self) { group in
            var count = 0
            var iterator = samples.enumerated().makeIterator()
            for _ in 0..<jobs {
                guard let (i, sample) = iterator.next() else { break }
                group.addTask { await run(sample, index: i) }
            }
            while let ok = await group.next() {
                if ok { count += 1 }
                if let (i, sample) = iterator.next() { group.addTask { await run(sample, index: i) } }
            }
            return count
        }
        return (Date().timeIntervalSince(start), passed)
    }

    func run(_ sample: Sample, index: Int) async -> Bool {
        let c = verifier.configuration
        let dir = folder + "/\(index)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let code = CodeExtraction.source(of: sample.candidate, language: sample.language)
        switch sample.language {
        case .c, .cpp:
            let cpp = sample.language == .cpp
            guard let compiler = cpp ? verifier.toolchains.cxx : verifier.toolchains.cc else { return false }
            let file = dir + (cpp ? "/t.cpp" : "/t.c")
            try? Data((code + "\n" + (sample.test ?? "")).utf8).write(to: URL(fileURLWithPath: file))
            let willRun = sample.test != nil || !sample.io.isEmpty || c.runWithoutTests
            var argv: [String]
            if likeVerifier {
                argv = ["-std=" + (cpp ? c.cppStandard : c.cStandard), willRun ? c.optimization : "-O0", "-pipe", "-fdiagnostics-color=never"]
                argv += c.warnings + (cpp ? c.cppWarnings : []) + c.extraFlags
                argv += willRun ? ["-o", dir + "/prog", file] + c.libraries : ["-c", "-o", dir + "/prog.o", file]
            } else {
                argv = (cpp ? ["-std=c++17"] : []) + (willRun ? ["-o", dir + "/prog", file] : ["-c", "-o", dir + "/prog.o", file])
                if !cpp && willRun { argv.append("-lm") }
            }
            guard await BareTools.spawn(compiler.path, argv, cwd: dir) == 0 else { return false }
            return willRun ? await BareTools.spawn(dir + "/prog", [], cwd: dir) == 0 : true
        case .python:
            guard let python = verifier.toolchains.python else { return false }
            var text = code + "\n" + (sample.test ?? "") + "\n"
            if let entry = sample.entryPoint { text += "check(\(entry))\n" }
            try? Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/t.py"))
            return await BareTools.spawn(python.path, [dir + "/t.py"], cwd: dir) == 0
        case .custom:
            return false
        }
    }

    static func spawn(_ executable: String, _ arguments: [String], cwd: String) async -> Int32 {
        await withCheckedContinuation { continuation in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: cwd)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(returning: -1) }
        }
    }
}
