import ArgumentParser
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

        @Option(name: [.short, .long], help: "YAML settings: flat keys named like these flags (learning_rate, eval_every, …) or upstream sections (model:, data:, lora:, training:, hardware:). Flags given win.") var config: String?
        @Option(name: [.short, .long], help: ArgumentHelp(SFTConfiguration.help("model") + " Required unless --config names one.")) var model: String?
        @Option(name: [.short, .long], help: ArgumentHelp(SFTConfiguration.help("output"))) var output: String?
        @Flag(help: "Continue from OUTPUT/checkpoint.") var resume = false
        @OptionGroup var settingFlags: SettingFlags<SFTConfiguration>
        @OptionGroup var distributedOptions: DistributedOptions
        @Option(help: "Folder with the built-in dataset files (default: $HALO_FORGE_DATASETS, else the datasets that ship with halo-forge).") var datasets: String?
        @OptionGroup var trackerOptions: TrackerOptions

        func run() async throws {
            var flags = SFTOverrides()
            (flags.model, flags.output, flags.reportTo) = (model, output, trackerOptions.overrides)
            let s = try layeredSFTSettings(config: config, flags: flags.merging(try settingFlags.overrides()))
            try await SFTRun.train(
                s, resume: resume, datasets: datasets ?? Datasets.defaultFolder(),
                environment: environment(trackers: trackerOptions.trackers(settings: s.reportTo), nil, distributedOptions))
        }
    }
}
