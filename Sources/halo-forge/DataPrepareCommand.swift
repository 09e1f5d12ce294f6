import ArgumentParser
import Foundation
import HaloForgeCore
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

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case prepared
            case verify
        }

        @Option(help: "Built-in set name, a .jsonl/.json file, or a dataset folder.") var dataset: String
        @Option(name: [.short, .long], help: "Output JSONL file, or - for standard output.") var output: String = "-"
        @Option(help: "Which records: train, held-out or all.") var split: HaloForgeData.Prepare.SplitChoice = .all
        @Option(help: "prepared (records) or verify (reference answers as verify input).") var format: Format = .prepared
        @Option(help: "Seed of the split for sets without published ranges.") var seed: Int = 0
        @Option(help: "Held-out fraction for sets without published ranges (0–1).") var heldOutFraction: Double = 0.25
        @Option(help: "Folder with the built-in dataset files (default: $HALO_FORGE_DATASETS, else the datasets that ship with halo-forge).") var datasets: String?

        func validate() throws {
            if !(heldOutFraction > 0 && heldOutFraction < 1) { throw ValidationError("--held-out-fraction must be between 0 and 1") }
        }

        func run() async throws {
            let all: [PreparedRecord]
            do {
                all = try HaloForgeData.Prepare.records(
                    source: dataset, datasets: datasets ?? Datasets.defaultFolder(), seed: seed, heldOutFraction: heldOutFraction)
            } catch { throw CommandError("\(error)") }
            let records = all.filter(split.keeps)
            let lines: [String]
            var note = ""
            switch format {
            case .prepared:
                lines = records.map(\.jsonLine)
            case .verify:
                let (samples, skipped, without) = HaloForgeData.Prepare.referenceSamples(records)
                lines = samples.map(Datasets.jsonLine)
                if !skipped.isEmpty { note += "; left out \(skipped.joined(separator: ", "))" }
                if without > 0 { note += "; \(without) without a reference" }
            }
            try writeAtomically(lines.map { $0 + "\n" }.joined(), to: output)
            let train = records.filter { $0.split == .train }.count
            let needs = records.filter { !$0.requires.isEmpty }.map { "\($0.id) (\($0.requires.joined(separator: ", ")))" }
            Terminal.note(
                "\(dataset): \(lines.count) records written (train \(train), held_out \(records.count - train); "
                    + "\(records.filter(\.hasTests).count) with tests, \(records.filter { $0.reference != nil }.count) with a reference)"
                    + (needs.isEmpty ? "" : "; needs external libraries: \(needs.joined(separator: ", "))") + note)
        }
    }
}

extension HaloForgeData.Prepare.SplitChoice: ExpressibleByArgument {}
