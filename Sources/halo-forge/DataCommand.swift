import ArgumentParser
import HaloForgeData

struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Prepare, validate, generate and export datasets.",
        subcommands: [Prepare.self, Validate.self, DataGenerateCommand.self, Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a dataset's problems with their reference (or negative-control) code as `verify` input.")

        @Option(help: "Dataset: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")).") var dataset: DatasetName
        @Option(help: "Candidates: canonical (reference solutions) or return-none (bodies replaced: a negative control).") var candidates: CandidateSource = .canonical
        @Option(help: "Folder with the dataset files (default: $HALO_FORGE_DATASETS, else the datasets that ship with halo-forge).") var datasets: String?
        @Option(name: [.short, .long], help: "Output JSONL file, or - for standard output.") var output: String = "-"

        func run() async throws {
            let (samples, skipped) = try Datasets.load(dataset, folder: datasets ?? Datasets.defaultFolder(), candidates: candidates)
            try writeAtomically(samples.map { Datasets.jsonLine($0) + "\n" }.joined(), to: output)
            Terminal.note("\(dataset.rawValue): \(samples.count) records" + (skipped.isEmpty ? "" : "; skipped \(skipped.joined(separator: ", "))"))
        }
    }
}

extension DatasetName: ExpressibleByArgument {
    public init?(argument: String) { self.init(named: argument) }
}
extension CandidateSource: ExpressibleByArgument {}
