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

    @Option(name: [.short, .long], help: "Model: a folder, a Hugging Face id, tiny or smollm2 (required unless --config names one).")
    var model: String?

    @Option(help: "Tasks: builtin-c, humaneval, mbpp, mbpp-sanitized, humaneval-x-cpp, codeforces, or a prompt file (default: builtin-c).")
    var dataset: String?

    @OptionGroup var taskOptions: TaskOptions

    @Option(name: [.short, .long], help: "Run folder (default: output in --config, else runs/benchmark-TIME, printed).")
    var output: String?

    @Option(help: "RAFT cycles (default: 2).")
    var cycles: Int?

    @Option(help: "Samples per training prompt and cycle (default: 8).")
    var samplesPerPrompt: Int?

    @Option(help: "Samples per held-out task for pass@1.")
    var evalSamples: Int = 4

    @Option(help: "Use only the first N training and N held-out tasks (0: all).")
    var limit: Int = 0

    @Option(help: "Most new tokens per sample (default: 256).")
    var maxNewTokens: Int?

    @Option(help: "Learning rate of the first cycle (default: 5e-5).")
    var learningRate: Double?

    @Option(help: "Optimizer steps per cycle (default: one epoch over the kept samples).")
    var stepsPerCycle: Int?

    @Option(name: [.short, .long], help: "YAML settings for the RAFT cycles: flags given here win over the file, the file over the defaults.")
    var config: String?

    @Option(help: "Random seed (default: 0).")
    var seed: Int?

    @Option(help: "torch threads.")
    var threads: Int?

    @OptionGroup var options: VerifierOptions

    @OptionGroup var trackerOptions: TrackerOptions

    var flagOverrides: RAFTOverrides {
        var o = RAFTOverrides()
        o.model = model
        o.dataset = dataset
        o.prompts = taskOptions.prompts
        o.verifier = taskOptions.verifier
        o.cycles = cycles
        o.samplesPerPrompt = samplesPerPrompt
        o.maxNewTokens = maxNewTokens
        o.learningRate = learningRate
        o.stepsPerCycle = stepsPerCycle
        o.seed = seed
        o.threads = threads
        o.reportTo = trackerOptions.overrides
        return o
    }

    @OptionGroup var generatorOptions: GeneratorOptions

    @OptionGroup var distributedOptions: DistributedOptions

    func run() async throws {
        let file = try fileOverrides(config)
        let output = output ?? file.output ?? defaultRunFolder("benchmark")
        if self.output == nil { Terminal.note("run folder: \(output)") }
        let store = try openRun(output)
        var resolved: (tasks: TaskSet, choice: VerifierChoice?)?
        let raft = try runSettings(store) {
            var base = RAFTConfiguration()
            base.cycles = 2
            let raft = try layeredSettings(base: base, file: file, flags: flagOverrides, source: config)
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
        let verifier = try options.applying(raft).makeVerifier(quiet: true, choice: choice)
        var settings = FullBenchmark.Settings(raft: raft)
        settings.evalSamples = evalSamples
        settings.jobs = options.jobs
        let rows = try await withTrackers(trackerOptions.trackers(settings: raft.reportTo), runFolder: output, settings: raft.hyperparameters) { metrics in
            try await withEngine(threads: raft.threads) { engine in
                await engine.setDistributed(distributedOptions.distributed, gradientCheckpointing: distributedOptions.gradientCheckpointing)
                let model = generatorOptions.engine == .vllm ? try await ModelCache.resolve(raft.model, engine: engine) { Terminal.note($0) } : raft.model
                return try await generatorOptions.withGenerator(engine: engine, model: model, dtype: raft.dtype, loraRank: raft.loraRank) { remote in
                    try await FullBenchmark.run(
                        settings, store: store, engine: engine, verifier: verifier, train: train, heldOut: heldOut, metrics: metrics, generator: remote
                    ) {
                        Terminal.note($0)
                    }
                }
            }
        }
        print(FullBenchmark.table(rows))
        if let verdict = FullBenchmark.verdict(rows) { print(verdict) }
        print("report: \(output)/report.html · summary: \(output)/summary.json · samples: \(output)/samples.jsonl")
    }
}
