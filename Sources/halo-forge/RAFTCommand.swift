import ArgumentParser
import HaloForgeRAFT

struct RAFTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raft",
        abstract: "Reward-ranked fine-tuning: generate, verify, keep the best per prompt, fine-tune, repeat.",
        subcommands: [Train.self])

    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run (or resume) RAFT cycles into a run folder.",
            discussion: """
                Settings come from --config (YAML), flags and --set; a flag that is given wins over the file,
                and the file wins over the defaults. Running the same command again on the same
                --output folder (or --resume RUN) continues where the run stopped.
                """)

        @Option(name: [.short, .long], help: "Run folder (created, or resumed when it holds a run; default: output in --config, else runs/raft-TIME).") var output: String?
        @Option(help: "Resume the run in this folder with its stored settings.") var resume: String?
        @Option(name: [.short, .long], help: "YAML settings file: flat keys (`halo-forge config keys`) or upstream sections (raft:, generation:, training:, lora:, verifier:, hardware:).") var config: String?
        @Option(name: [.short, .long], help: "Model: a folder, a Hugging Face id, tiny or smollm2 (required unless --config or --checkpoint names one).") var model: String?
        @Option(help: "Built-in tasks: builtin-c (the default; its training split), humaneval, mbpp, mbpp-sanitized, humaneval-x-cpp, codeforces; or a prompt file.") var dataset: String?
        @OptionGroup var taskOptions: TaskOptions
        @Option(help: "Use only the first N prompts of the dataset (0: all).") var limit: Int = 0
        @OptionGroup var settingFlags: SettingFlags<RAFTConfiguration>
        @OptionGroup var options: VerifierOptions
        @OptionGroup var generatorOptions: GeneratorOptions
        @OptionGroup var trackerOptions: TrackerOptions
        @OptionGroup var distributedOptions: DistributedOptions

        func validate() throws {
            if dataset != nil && taskOptions.prompts != nil { throw ValidationError("give --dataset or --prompts, not both") }
        }

        func run() async throws {
            let flags = try settingFlags.overrides(model: model, dataset: dataset, tasks: taskOptions, trackers: trackerOptions)
            let run = try OpenedRun(command: "raft", config: config, flags: flags, output: output, resume: resume, datasets: taskOptions.datasets)
            let settings = run.settings
            let verifier = try options.makeVerifier(quiet: true, choice: run.choice, run: settings)
            try await RAFTRun.train(
                settings, store: run.store, tasks: RAFTRun.tasks(run, limit: limit), verifier: verifier, jobs: options.jobs,
                environment: environment(trackers: trackerOptions.trackers(settings: settings.reportTo), generatorOptions, distributedOptions))
        }
    }
}
