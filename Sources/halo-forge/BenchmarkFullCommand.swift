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

    @Option(help: "Tasks: builtin-c, humaneval, mbpp, mbpp-sanitized, humaneval-x-cpp, codeforces, or a prompt file.")
    var dataset: String = "builtin-c"

    @OptionGroup var taskOptions: TaskOptions

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
        let store = try openRun(output)
        var resolved: (tasks: TaskSet, choice: VerifierChoice?)?
        let raft = try runSettings(store) {
            var raft = RAFTConfiguration()
            if let config { raft = raft.applying(try RAFTOverrides.parse(yaml: try readText(config), file: config)) }
            raft.model = model
            raft.dataset = dataset
            // Stored absolute, so the run resumes from any folder.
            if let prompts = taskOptions.prompts { raft.prompts = URL(fileURLWithPath: prompts).path }
            if let verifier = taskOptions.verifier { raft.verifier = verifier }
            raft.cycles = cycles
            raft.samplesPerPrompt = samplesPerPrompt
            raft.maxNewTokens = maxNewTokens
            raft.learningRate = learningRate
            if let stepsPerCycle { raft.stepsPerCycle = stepsPerCycle }
            raft.seed = seed
            try raft.validate(source: "--flags")
            // Tasks are read before the settings are stored: a bad file must not poison the run folder.
            resolved = try resolveTasks(raft.prompts ?? raft.dataset, verifier: raft.verifier, datasets: taskOptions.datasets)
            return raft
        }
        let (set, choice) = try resolved ?? resolveTasks(raft.prompts ?? raft.dataset, verifier: raft.verifier, datasets: taskOptions.datasets)
        var (train, heldOut) = (set.train, set.heldOut)
        guard !train.isEmpty, !heldOut.isEmpty else {
            throw CommandError("\(set.source): \(train.count) training and \(heldOut.count) held-out tasks: both sides need at least one")
        }
        if limit > 0 {
            train = Array(train.prefix(limit))
            heldOut = Array(heldOut.prefix(limit))
        }
        Terminal.note("\(set.source): \(train.count) training tasks, \(heldOut.count) held-out tasks")
        let verifier = try options.makeVerifier(quiet: true, choice: choice)
        var settings = FullBenchmark.Settings(raft: raft)
        settings.evalSamples = evalSamples
        settings.jobs = options.jobs
        let rows = try await withEngine(threads: raft.threads) { engine in
            try await FullBenchmark.run(settings, store: store, engine: engine, verifier: verifier, train: train, heldOut: heldOut) {
                Terminal.note($0)
            }
        }
        print(FullBenchmark.table(rows))
        print("report: \(output)/report.html · summary: \(output)/summary.json · samples: \(output)/samples.jsonl")
    }
}
