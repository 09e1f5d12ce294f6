import ArgumentParser
import HaloForgeData

extension DataCommand {
    struct Prepare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Normalise a dataset into prepared records (docs/DATA.md): id, split, language, prompt, tests, reference.",
            discussion: """
                --dataset is a built-in set (\(TaskResolver.builtinNames.joined(separator: ", "))), a .jsonl/.json \
                file (prepared records, prompt records, or the HumanEval, MBPP or CodeForces layout), or a folder of such \
                files (a Hugging Face dataset repository on disk; its Parquet files are read with pyarrow when it has no \
                JSONL). Train and held-out never overlap: MBPP and MBPP-sanitized hold out MBPP's published test range \
                (task ids 11–510), other sets a seeded fraction, identical prompts on one side. \
                --format verify writes the reference answers as `halo-forge verify` input instead, leaving out problems \
                whose libraries this host lacks (named on stderr).
                """)

        @Option(help: "Built-in set name, a .jsonl/.json file, or a dataset folder.") var dataset: String
        @Option(name: [.short, .long], help: "Output JSONL file, or - for standard output.") var output: String = "-"
        @Option(help: "Which records: train, held-out or all.") var split: HaloForgeData.Prepare.SplitChoice = .all
        @Option(help: "prepared (records) or verify (reference answers as verify input).") var format: HaloForgeData.Prepare.Format = .prepared
        @Option(help: "Seed of the split for sets without published ranges.") var seed: Int = 0
        @Option(help: "Held-out fraction for sets without published ranges (0–1).") var heldOutFraction: Double = 0.25
        @Option(help: "Folder with the built-in dataset files (default: $HALO_FORGE_DATASETS, else the datasets that ship with halo-forge).") var datasets: String?

        func validate() throws {
            if !(heldOutFraction > 0 && heldOutFraction < 1) { throw ValidationError("--held-out-fraction must be between 0 and 1") }
        }

        func run() async throws {
            let records: [PreparedRecord]
            do {
                records = try HaloForgeData.Prepare.records(
                    source: dataset, datasets: datasets ?? Datasets.defaultFolder(), seed: seed, heldOutFraction: heldOutFraction
                ).filter(split.keeps)
            } catch { throw CommandError("\(error)") }
            let (text, count, leftOut) = HaloForgeData.Prepare.jsonl(records, format: format)
            try writeAtomically(text, to: output)
            Terminal.note(HaloForgeData.Prepare.summary(records, source: dataset, written: count) + leftOut)
        }
    }
}

extension HaloForgeData.Prepare.SplitChoice: ExpressibleByArgument {}
extension HaloForgeData.Prepare.Format: ExpressibleByArgument {}
