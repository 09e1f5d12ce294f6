import ArgumentParser
import Foundation
import HaloForgeBench
import HaloForgeCore
import HaloForgeData
import HaloForgeEngine
import HaloForgeRAFT
import HaloForgeVerify

struct BenchmarkFull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "full",
        abstract: "Baseline benchmark on held-out tasks → RAFT cycles on training tasks → a benchmark after each cycle.",
        discussion: """
            Writes summary.json, plots (SVG) and report.html into the run folder, and prints a table.
            Held-out tasks are never trained on. Running it again on the same --output resumes.
            """)

    @Option(help: "Model: a folder, a Hugging Face id, tiny or smollm2.")
    var model: String = "tiny"

    @Option(help: "Tasks: builtin-c, humaneval, mbpp, mbpp-sanitized or humaneval-x-cpp.")
    var dataset: String = "builtin-c"

    @Option(help: "Run folder.")
    var output: String

    @Option(help: "RAFT cycles.")
    var cycles: Int = 2

    @Option(help: "Samples per training prompt and cycle.")
    var samplesPerPrompt: Int = 8

    @Option(help: "Samples per held-out task for pass@1.")
    var evalSamples: Int = 4

    @Option(help: "Use only the first N training and N held-out tasks (0: all).")
    var limit: Int = 0

    @Option(help: "Most new tokens per sample.")
    var maxNewTokens: Int = 256

    @Option(help: "Learning rate of the first cycle.")
    var learningRate: Double = 5e-5

    @Option(help: "Optimizer steps per cycle (default: one epoch over the kept samples).")
    var stepsPerCycle: Int?

    @Option(help: "YAML settings for the RAFT cycles (flags given here win).")
    var config: String?

    @Option(help: "Random seed.")
    var seed: Int = 0

    @OptionGroup var options: VerifierOptions

    func run() async throws {
        let store = try RunStore(folder: output)
        var raft = RAFTConfiguration()
        if let stored = try store.setting("config") {
            raft = raft.applying(try RAFTOverrides.parse(yaml: stored, file: output + "/run.sqlite"))
            Terminal.note("resuming \(output) with its stored settings")
        } else {
            if let config {
                guard let text = try? String(contentsOfFile: config, encoding: .utf8) else { throw CommandError("cannot read \(config)") }
                do { raft = raft.applying(try RAFTOverrides.parse(yaml: text, file: config)) } catch { throw CommandError("\(error)") }
            }
            raft.model = model
            raft.dataset = dataset
            raft.cycles = cycles
            raft.samplesPerPrompt = samplesPerPrompt
            raft.maxNewTokens = maxNewTokens
            raft.learningRate = learningRate
            if let stepsPerCycle { raft.stepsPerCycle = stepsPerCycle }
            raft.seed = seed
            do { try raft.validate(source: "--flags") } catch { throw CommandError("\(error)") }
            try store.setSetting("config", raft.yaml)
        }
        var (train, heldOut) = try tasks(raft.dataset)
        if limit > 0 {
            train = Array(train.prefix(limit))
            heldOut = Array(heldOut.prefix(limit))
        }
        Terminal.note("\(raft.dataset): \(train.count) training tasks, \(heldOut.count) held-out tasks")
        let verifier = try options.makeVerifier(quiet: true)
        let engine: Engine
        do {
            engine = try Engine.make(threads: raft.threads) { Terminal.note($0) }
            _ = try await engine.start()
        } catch {
            throw CommandError("\(error)")
        }
        var settings = FullBenchmark.Settings(raft: raft)
        settings.evalSamples = evalSamples
        settings.jobs = options.jobs
        let rows: [FullBenchmark.Row]
        do {
            rows = try await FullBenchmark.run(settings, store: store, engine: engine, verifier: verifier, train: train, heldOut: heldOut) {
                Terminal.note($0)
            }
        } catch {
            await engine.shutdown()
            throw CommandError("\(error)")
        }
        await engine.shutdown()
        print(FullBenchmark.table(rows))
        print("report: \(output)/report.html · summary: \(output)/summary.json · samples: \(output)/samples.jsonl")
    }

    func tasks(_ name: String) throws -> (train: [BenchmarkTask], heldOut: [BenchmarkTask]) {
        if name == "builtin-c" { return (BuiltinTasks.train(), BuiltinTasks.heldOut()) }
        guard let dataset = DatasetName(rawValue: name) else {
            throw CommandError("dataset '\(name)' is not known (builtin-c, humaneval, mbpp, mbpp-sanitized, humaneval-x-cpp)")
        }
        return Datasets.split(try Datasets.tasks(dataset, folder: Datasets.defaultFolder()), dataset: name)
    }
}
