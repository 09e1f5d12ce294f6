import ArgumentParser
import Foundation
import HaloForgeCore
import HaloForgeData
import HaloForgeEngine
import HaloForgeRAFT
import HaloForgeVerify

struct RAFTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raft",
        abstract: "Reward-ranked fine-tuning: generate, verify, keep the best per prompt, fine-tune, repeat.",
        subcommands: [Train.self])

    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run (or resume) RAFT cycles into a run folder.",
            discussion: """
                Settings come from --config (YAML) and flags; a flag that is given wins over the file,
                and the file wins over the defaults. Running the same command again on the same
                --output folder (or --resume RUN) continues where the run stopped.
                """)

        @Option(name: [.short, .long], help: "Run folder (created, or resumed when it holds a run; default: output in --config, else runs/raft-TIME).")
        var output: String?

        @Option(help: "Resume the run in this folder with its stored settings.")
        var resume: String?

        @Option(name: [.short, .long], help: "YAML settings file: flat keys (`halo-forge config keys`) or upstream sections (raft:, generation:, training:, lora:, verifier:, hardware:).")
        var config: String?

        @Option(name: [.short, .long], help: "Model: a folder, a Hugging Face id, tiny or smollm2 (required unless --config or --checkpoint names one).")
        var model: String?

        @Option(help: "LoRA adapter to start from (e.g. the adapter/ folder of `sft train`).")
        var adapter: String?

        @Option(help: "A checkpoint of `sft train` (OUTPUT/final_model, an adapter naming its base model) or a whole model folder.")
        var checkpoint: String?

        @Option(help: "Built-in tasks: builtin-c (the default; its training split), humaneval, mbpp, mbpp-sanitized, humaneval-x-cpp, codeforces; or a prompt file.")
        var dataset: String?

        @OptionGroup var taskOptions: TaskOptions

        @Option(help: "Use only the first N prompts of the dataset (0: all).")
        var limit: Int = 0

        @Option(help: "RAFT cycles.")
        var cycles: Int?

        @Option(help: "Samples per prompt.")
        var samplesPerPrompt: Int?

        @Option(help: "Sampling temperature.")
        var temperature: Double?

        @Option(help: "Most new tokens per sample.")
        var maxNewTokens: Int?

        @Option(help: "Keep samples with at least this reward.")
        var rewardThreshold: Double?

        @Option(help: "Learning rate of the first cycle.")
        var learningRate: Double?

        @Option(help: "Optimizer steps per cycle (default: one epoch over the kept samples).")
        var stepsPerCycle: Int?

        @Option(help: "Random seed.")
        var seed: Int?

        @Option(help: "torch threads.")
        var threads: Int?

        @OptionGroup var options: VerifierOptions

        @OptionGroup var generatorOptions: GeneratorOptions

        @OptionGroup var trackerOptions: TrackerOptions

        @OptionGroup var distributedOptions: DistributedOptions

        var flagOverrides: RAFTOverrides {
            var o = RAFTOverrides()
            o.model = model
            o.adapter = adapter
            o.checkpoint = checkpoint
            o.dataset = dataset
            o.prompts = taskOptions.prompts
            o.verifier = taskOptions.verifier
            o.cycles = cycles
            o.samplesPerPrompt = samplesPerPrompt
            o.temperature = temperature
            o.maxNewTokens = maxNewTokens
            o.rewardThreshold = rewardThreshold
            o.learningRate = learningRate
            o.stepsPerCycle = stepsPerCycle
            o.seed = seed
            o.threads = threads
            o.reportTo = trackerOptions.overrides
            return o
        }

        func validate() throws {
            if dataset != nil && taskOptions.prompts != nil { throw ValidationError("give --dataset or --prompts, not both") }
        }

        func run() async throws {
            let file = try fileOverrides(config)
            let folder = resume ?? output ?? file.output ?? defaultRunFolder("raft")
            if resume == nil, output == nil { Terminal.note("run folder: \(folder)") }
            if resume != nil, !FileManager.default.fileExists(atPath: folder + "/run.sqlite") {
                throw CommandError("\(folder) holds no run to resume")
            }
            let store = try openRun(folder)
            if resume != nil, try store.setting("config") == nil { throw CommandError("\(folder) holds no run to resume") }
            // Tasks are read before the settings are stored: a bad run must not poison the run folder.
            var resolved: (tasks: TaskSet, choice: VerifierChoice?)?
            let settings = try runSettings(store) {
                let settings = try layeredSettings(file: file, flags: flagOverrides, source: config)
                resolved = try resolveTasks(settings.prompts ?? settings.dataset, verifier: settings.verifier, datasets: taskOptions.datasets)
                return settings
            }
            let (set, choice) = try resolved ?? resolveTasks(settings.prompts ?? settings.dataset, verifier: settings.verifier, datasets: taskOptions.datasets)
            // A prompt file is trained on whole; the demo's C tasks keep their held-out split for benchmarks.
            var tasks = settings.prompts == nil && settings.dataset == TaskResolver.builtinC ? set.train : set.tasks
            if limit > 0 { tasks = Array(tasks.prefix(limit)) }
            let verifier = try options.applying(settings).makeVerifier(quiet: true, choice: choice)
            let trackers = trackerOptions.trackers(settings: settings.reportTo)
            let cycles = try await withTrackers(trackers, runFolder: folder, settings: settings.hyperparameters) { metrics in
                try await withEngine(threads: settings.threads) { engine in
                    await engine.setDistributed(distributedOptions.distributed, gradientCheckpointing: distributedOptions.gradientCheckpointing)
                    let model = generatorOptions.engine == .vllm ? try await ModelCache.resolve(settings.model, engine: engine) { Terminal.note($0) } : settings.model
                    return try await generatorOptions.withGenerator(engine: engine, model: model, dtype: settings.dtype, loraRank: settings.loraRank) { remote in
                        try await RAFTLoop(configuration: settings, store: store, engine: engine, verifier: verifier, tasks: tasks, jobs: options.jobs, generator: remote) {
                            Terminal.note($0)
                        }.run(afterCycle: { _ in try metrics.replay(store) })
                    }
                }
            }
            print("cycle  compile  pass    reward  kept  loss")
            for c in cycles {
                let m = c.metrics
                print(String(format: "%5d  %6.1f%%  %5.1f%%  %6.3f  %4d  %.4f", c.cycle + 1, 100 * (m["compile_rate"]?.doubleValue ?? 0),
                             100 * (m["pass_rate"]?.doubleValue ?? 0), m["mean_reward"]?.doubleValue ?? 0, m["kept"]?.intValue ?? 0, m["loss"]?.doubleValue ?? 0))
            }
            print("run: \(folder) (samples: \(folder)/samples.jsonl)")
        }
    }
}
