public import Foundation
public import HaloForgeData
public import HaloForgeEngine
public import HaloForgeRAFT
public import HaloForgeVerify

/// The whole pipeline offline on the built-in C tasks: a short SFT stage on a shipped corpus,
/// a baseline benchmark on the held-out tasks, RAFT cycles on the training tasks, a benchmark
/// after each cycle, and the report.
public enum Demo {
    /// Samples per held-out task at each evaluation: one of each of the 96 tasks costs what four
    /// of each of 24 did, and the interval narrows with more tasks, not with more samples of one
    /// task, since the spread is between tasks (docs/LEARNING.md).
    public static let evalSamples = 1

    /// The recipe: SmolLM2-135M-Instruct, or the tiny from-scratch model (fast; it shows the
    /// pipeline, not the gains). `folder` holds the run; its SFT adapter starts the RAFT cycles.
    public static func settings(tiny: Bool, folder: String) -> RAFTConfiguration {
        var raft = RAFTConfiguration()
        raft.model = tiny ? "tiny" : "smollm2"
        raft.dataset = TaskResolver.builtinC
        raft.cycles = tiny ? 2 : 3
        raft.samplesPerPrompt = 4
        raft.maxNewTokens = tiny ? 64 : 160
        raft.temperature = 0.7
        // Only correct samples teach correctness; the tiny model rarely writes one, so it learns from compiling ones.
        raft.rewardThreshold = tiny ? 0.3 : 1.0
        raft.minKept = 8
        // 1e-3 for SmolLM2: the best rate measured (docs/LEARNING.md section 4: +12.5 points against +9.4 at 2e-4; 2e-3 loses format).
        raft.learningRate = tiny ? 2e-3 : 1e-3
        raft.learningRateDecay = 0.7
        raft.loraRank = 16
        raft.stepsPerCycle = tiny ? 10 : 4
        raft.batchTokens = 2048
        raft.adapter = folder + "/sft-adapter"
        return raft
    }

    /// Opens (or resumes) the demo's run in `folder`: a fresh run stores the recipe with `flags` over it.
    public static func open(tiny: Bool, folder: String, flags: RAFTOverrides) throws -> (store: RunStore, settings: RAFTConfiguration) {
        let store = try openRun(folder)
        let raft = try runSettings(store) {
            try layeredSettings(base: settings(tiny: tiny, folder: folder), file: RAFTOverrides(), flags: flags, source: nil)
        }
        return (store, raft)
    }

    /// Runs (or resumes) the demo in `store` with `raft` (the recipe, maybe changed by flags).
    public static func run(
        _ raft: RAFTConfiguration, tiny: Bool, evalSamples: Int = Demo.evalSamples, evaluateEvery: Int = 1, store: RunStore, verifier: Verifier, jobs: Int,
        environment: RunEnvironment
    ) async throws {
        let (set, _) = try resolveTasks(raft.dataset, verifier: nil, datasets: nil)
        let train = set.train, heldOut = set.heldOut
        Terminal.note("demo: \(raft.model) on built-in C tasks (\(train.count) training, \(heldOut.count) held-out at \(evalSamples) sample\(evalSamples == 1 ? "" : "s") each), \(raft.cycles) RAFT cycles → \(store.folder)")
        let rows = try await environment.run(folder: store.folder, settings: raft) { engine, generator, metrics in
            if let adapter = raft.adapter, !FileManager.default.fileExists(atPath: adapter + "/adapter_config.json") {
                try await formatStage(engine: engine, model: raft.model, threads: raft.threads, tiny: tiny, saveTo: adapter)
            }
            var settings = FullBenchmark.Settings(raft: raft)
            settings.evalSamples = evalSamples
            settings.evaluateEvery = evaluateEvery
            settings.jobs = jobs
            return try await FullBenchmark.run(
                settings, store: store, engine: engine, verifier: verifier, train: train, heldOut: heldOut, metrics: metrics, generator: generator
            ) {
                Terminal.note($0)
            }
        }
        print(FullBenchmark.table(rows))
        if let verdict = FullBenchmark.verdict(rows) { print(verdict) }
        print("report: \(store.folder)/report.html")
    }

    /// A short SFT stage on a shipped corpus of other C functions: it teaches the answer format.
    static func formatStage(engine: Engine, model: String, threads: Int?, tiny: Bool, saveTo adapter: String) async throws {
        let path = try await ModelCache.resolve(model, engine: engine) { Terminal.note($0) }
        try await engine.load(model: path, threads: threads)
        var p = TrainingParameters()
        p.learningRate = tiny ? 3e-3 : 3e-4
        p.steps = tiny ? 20 : 12
        p.batchTokens = 2048
        let sft = try await engine.train(try SFTCorpus.pairs(), p, saveTo: adapter, progress: progressPrinter("sft"))
        Terminal.note(String(format: "sft: %d steps, loss %.3f → %.3f, %.0f tokens/s", sft.steps.count, sft.steps.first?.loss ?? 0, sft.steps.last?.loss ?? 0, sft.tokensPerSecond))
    }
}
