import Foundation
import HaloForgeEngine
import HaloForgePipeline
import HaloForgeRAFT
import Testing

@Suite struct PairTrainingTests {
    @Test func loraAlphaIsTwiceTheRank() {
        let lora = PairTraining.parameters(full: false, rank: 8)
        #expect(lora.mode == "lora" && lora.rank == 8 && lora.alpha == 16)
        #expect(PairTraining.parameters(full: true, rank: 16).mode == "full")
    }

    @Test func reportHasOneLinePerStepAndTheTotals() throws {
        let json = """
            {"steps": [{"step": 1, "loss": 2.5, "grad_norm": 1.25, "lr": 0.0002, "tokens": 100, "tokens_per_second": 50, "peak_memory_mb": 300},
                       {"step": 2, "loss": 2.0, "grad_norm": 1.0, "lr": 0.0001, "tokens": 100, "tokens_per_second": 60, "micro_batch_split": 2}],
             "tokens": 200, "seconds": 4.0, "tokens_per_second": 50}
            """
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let result = try decoder.decode(TrainingResult.self, from: Data(json.utf8))
        let lines = PairTraining.report(result, output: "out/adapter").split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[1].hasPrefix("   1  2.5000    1.250      2.00e-04   50        300       1"), "\(lines[1])")
        #expect(lines[2].hasSuffix("2"))
        #expect(lines[3] == "200 tokens in 4.0 s (50 tokens/s); saved to out/adapter")
    }
}

/// `sft train`'s layers: defaults, then the file, then the flags, checked once.
@Suite struct SFTLayeringTests {
    @Test func flagsWinOverTheFileAndTheResultIsValidated() throws {
        let file = FileManager.default.temporaryDirectory.path + "/sft-layers-\(UUID().uuidString).yaml"
        try "model: models/m\ndata: d.jsonl\noutput: out\nsteps: 5\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        var flags = SFTOverrides()
        flags.steps = 2
        let settings = try layeredSFTSettings(config: file, flags: flags)
        #expect(settings.steps == 2 && settings.model == "models/m" && settings.data == "d.jsonl")
        #expect(throws: CommandError.self) { try layeredSFTSettings(config: nil, flags: flags) }
    }
}
