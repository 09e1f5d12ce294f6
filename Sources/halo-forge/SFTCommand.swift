import ArgumentParser
import Foundation
import HaloForgeData
import HaloForgeRAFT

struct SFTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Supervised fine-tuning on prepared records or prompt/completion pairs.",
        subcommands: [Train.self])

    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fine-tune (LoRA by default) with a held-out loss, early stopping, checkpoints and --resume.",
            discussion: """
                --data is a file of prepared records (`halo-forge data prepare`; the train split's reference answers \
                become prompt → completion pairs), a file of prompt/completion records, or a built-in set's name. \
                A seeded --eval-fraction of the pairs is held out for the evaluation loss. OUTPUT/adapter holds the \
                weights with the lowest held-out loss (a PEFT adapter, or the model with --full): give it to \
                `raft train --adapter`. OUTPUT/checkpoint holds the latest checkpoint; OUTPUT/sft.json the run's record. \
                The model is loaded in bfloat16 where the device supports it (--dtype), prompts go through the \
                tokenizer's chat template when it has one (--chat).
                """)

        @Option(name: [.short, .long], help: "YAML settings: flat keys named like these flags (learning_rate, eval_every, …) or upstream sections (model:, data:, lora:, training:, hardware:). Flags given win.")
        var config: String?

        @Option(name: [.short, .long], help: ArgumentHelp(SFTConfiguration.help("model") + " Required unless --config names one.")) var model: String?
        @Option(help: ArgumentHelp(SFTConfiguration.help("adapter"))) var adapter: String?
        @Option(help: ArgumentHelp(SFTConfiguration.help("data"))) var data: String?
        @Option(name: [.short, .long], help: ArgumentHelp(SFTConfiguration.help("output"))) var output: String?
        @Flag(help: ArgumentHelp(SFTConfiguration.help("full"))) var full = false
        @Flag(help: "Continue from OUTPUT/checkpoint.") var resume = false
        @Option(help: ArgumentHelp(SFTConfiguration.help("steps"))) var steps: Int?
        @Option(help: ArgumentHelp(SFTConfiguration.help("epochs"))) var epochs: Int?
        @Option(help: ArgumentHelp(SFTConfiguration.help("learning_rate"))) var learningRate: Double?
        @Option(help: ArgumentHelp(SFTConfiguration.help("rank"))) var rank: Int?
        @Option(help: ArgumentHelp(SFTConfiguration.help("batch_tokens"))) var batchTokens: Int?
        @Option(help: ArgumentHelp(SFTConfiguration.help("grad_accum"))) var gradAccum: Int?
        @Option(help: ArgumentHelp(SFTConfiguration.help("max_length"))) var maxLength: Int?
        @Option(help: ArgumentHelp(SFTConfiguration.help("eval_fraction"))) var evalFraction: Double?
        @Option(help: ArgumentHelp(SFTConfiguration.help("eval_every"))) var evalEvery: Int?
        @Option(help: ArgumentHelp(SFTConfiguration.help("patience"))) var patience: Int?
        @Option(help: ArgumentHelp(SFTConfiguration.help("checkpoint_every"))) var checkpointEvery: Int?
        @Option(help: ArgumentHelp(SFTConfiguration.help("dtype"))) var dtype: String?
        @Option(help: ArgumentHelp(SFTConfiguration.help("chat"))) var chat: String?
        @Option(help: ArgumentHelp(SFTConfiguration.help("seed"))) var seed: Int?
        @Option(help: ArgumentHelp(SFTConfiguration.help("threads"))) var threads: Int?
        @Option(help: ArgumentHelp(SFTConfiguration.help("device"))) var device: String?
        @OptionGroup var settingOptions: SettingOptions
        @OptionGroup var distributedOptions: DistributedOptions
        @Option(help: "Folder with the built-in dataset files (default: $HALO_FORGE_DATASETS, else the datasets that ship with halo-forge).") var datasets: String?
        @OptionGroup var trackerOptions: TrackerOptions

        /// The typed flags, then `--set`.
        func flagOverrides() throws -> SFTOverrides {
            var o = SFTOverrides()
            (o.model, o.adapter, o.data, o.output) = (model, adapter, data, output)
            if full { o.full = true }
            (o.steps, o.epochs, o.learningRate, o.rank, o.batchTokens, o.gradAccum) = (steps, epochs, learningRate, rank, batchTokens, gradAccum)
            (o.maxLength, o.evalFraction, o.evalEvery, o.patience, o.checkpointEvery) = (maxLength, evalFraction, evalEvery, patience, checkpointEvery)
            (o.dtype, o.chat, o.seed, o.threads, o.device) = (dtype, chat, seed, threads, device)
            o.reportTo = trackerOptions.overrides
            return o.merging(try settingOptions.overrides(as: SFTConfiguration.self))
        }

        /// defaults < --config < flags, validated.
        func settings() throws -> SFTConfiguration {
            let settings = SFTConfiguration().applying(try fileOverrides(config, as: SFTConfiguration.self)).applying(try flagOverrides())
            do { try settings.validate(source: config ?? "--flags") } catch let error as ConfigurationError { throw CommandError("\(error)") }
            return settings
        }

        func run() async throws {
            let s = try settings()
            var environment = RunEnvironment()
            environment.trackers = trackerOptions.trackers(settings: s.reportTo)
            environment.distributed = distributedOptions.distributed
            environment.gradientCheckpointing = distributedOptions.gradientCheckpointing
            try await SFTRun.train(s, resume: resume, datasets: datasets ?? Datasets.defaultFolder(), environment: environment)
        }
    }
}
