import ArgumentParser
import HaloForgeRAFT

struct BenchmarkFull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "full",
        abstract: "Baseline benchmark on held-out tasks → RAFT cycles on training tasks → a benchmark after each cycle.",
        discussion: """
            Writes summary.json, plots (SVG) and report.html into the run folder, and prints a table.
            Held-out tasks are never trained on. Running it again on the same --output resumes.
            RAFT settings as below, except that --cycles defaults to 2 here.
            """)

    @Option(name: [.short, .long], help: "Model: a folder, a Hugging Face id, tiny or smollm2 (required unless --config names one).") var model: String?
    @Option(help: "Tasks: builtin-c, humaneval, mbpp, mbpp-sanitized, humaneval-x-cpp, codeforces, or a prompt file (default: builtin-c).") var dataset: String?
    @OptionGroup var taskOptions: TaskOptions
    @Option(name: [.short, .long], help: "Run folder (default: output in --config, else runs/benchmark-TIME, printed).") var output: String?
    @Option(help: "Samples per held-out task for pass@1.") var evalSamples: Int = 4
    @Option(help: "Evaluate the held-out tasks after every Nth cycle and the last.") var evalEvery: Int = 1
    @Option(help: "Use only the first N training and N held-out tasks (0: all).") var limit: Int = 0
    @Option(name: [.short, .long], help: "YAML settings for the RAFT cycles: flags given here win over the file, the file over the defaults.") var config: String?
    @OptionGroup var settingFlags: SettingFlags<RAFTConfiguration>
    @OptionGroup var options: VerifierOptions
    @OptionGroup var trackerOptions: TrackerOptions
    @OptionGroup var generatorOptions: GeneratorOptions
    @OptionGroup var distributedOptions: DistributedOptions

    func validate() throws {
        if evalEvery < 1 { throw ValidationError("--eval-every must be at least 1") }
    }

    func run() async throws {
        var base = RAFTConfiguration()
        base.cycles = 2
        let flags = try settingFlags.overrides(model: model, dataset: dataset, tasks: taskOptions, trackers: trackerOptions)
        let run = try OpenedRun(command: "benchmark", config: config, flags: flags, output: output, base: base, datasets: taskOptions.datasets)
        let verifier = try options.makeVerifier(quiet: true, choice: run.choice, run: run.settings)
        try await FullBenchmark.run(
            run, limit: limit, evalSamples: evalSamples, evaluateEvery: evalEvery, jobs: options.jobs, verifier: verifier,
            environment: environment(trackers: trackerOptions.trackers(settings: run.settings.reportTo), generatorOptions, distributedOptions))
    }
}
