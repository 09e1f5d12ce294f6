import ArgumentParser
import HaloForgeBench
import HaloForgeData

/// `speed verify`: the verifier's throughput against the bare tools.
struct VerifySpeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verifier throughput against the bare tools on a dataset's reference solutions.",
        discussion: """
            Runs the same samples twice with the same parallelism: through halo-forge's sandboxed
            verifier at its settings, and as bare tool invocations (no sandbox, no harness):
            `g++ -std=c++17 t.cpp && ./t`, `python3 t.py` (C: `gcc t.c -lm && ./t`), and prints
            samples/s of each and their ratio. --bare-like-verifier gives the bare compiles the
            verifier's standard, optimisation and warning flags instead.
            """)

    @Option(help: "Dataset: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")).") var dataset: DatasetName = .humanevalXCpp
    @Option(help: "Folder with the dataset files (default: $HALO_FORGE_DATASETS, else the datasets that ship with halo-forge).") var datasets: String?
    @Option(help: "Use only the first N problems (0: all).") var limit: Int = 0
    @Option(help: "Repeat each measurement R times and keep the best.") var repeats: Int = 1
    @Flag(help: "Compile the bare side with the verifier's standard, optimisation and warning flags.") var bareLikeVerifier = false
    @OptionGroup var options: VerifierOptions

    func run() async throws {
        var (samples, skipped) = try Datasets.load(dataset, folder: datasets ?? Datasets.defaultFolder())
        if limit > 0 { samples = Array(samples.prefix(limit)) }
        if !skipped.isEmpty { Terminal.note("skipped: \(skipped.joined(separator: ", "))") }
        let verifier = try options.makeVerifier()
        Terminal.note("\(dataset.rawValue): \(samples.count) samples, \(options.jobs) jobs")
        let comparison = try await VerifierSpeedComparison.measure(
            samples, dataset: dataset.rawValue, verifier: verifier, jobs: options.jobs, repeats: repeats, likeVerifier: bareLikeVerifier
        ) { round, verifierSeconds, bareSeconds in
            Terminal.note(String(format: "round %d: halo-forge %.2f s, bare tools %.2f s", round, verifierSeconds, bareSeconds))
        }
        print(comparison)
    }
}
