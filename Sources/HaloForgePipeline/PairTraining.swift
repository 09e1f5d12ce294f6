public import Foundation
public import HaloForgeEngine

/// `train`: fine-tuning on a JSONL file of (prompt, completion) pairs with the loaded engine.
public enum PairTraining {
    /// The flags' parameters: LoRA of `rank` with alpha 2 × rank (the usual ratio), or the whole
    /// model when `full`.
    public static func parameters(full: Bool, rank: Int) -> TrainingParameters {
        var p = TrainingParameters()
        p.mode = full ? "full" : "lora"
        (p.rank, p.alpha) = (rank, rank * 2)
        return p
    }

    /// Trains on the pairs in `data`, saves to `output`, and prints the per-step table.
    public static func run(data: String, output: String, parameters: TrainingParameters, engine: Engine) async throws {
        let examples = try readJSONL(data, required: ["prompt", "completion"]).map {
            (prompt: $0["prompt"]!.stringValue!, completion: $0["completion"]!.stringValue!)
        }
        let result = try await engine.train(examples, parameters, saveTo: output, progress: progressPrinter("train"))
        Terminal.clearLine()
        print(report(result, output: output))
    }

    /// One line per optimizer step, then the totals and where the weights went.
    public static func report(_ result: TrainingResult, output: String) -> String {
        var lines = ["step  loss      grad norm  lr         tokens/s  peak MiB  split"]
        for s in result.steps {
            lines.append(String(
                format: "%4d  %-8.4f  %-9.3f  %-9.2e  %-8.0f  %-8.0f  %d", s.step, s.loss, s.gradNorm, s.lr, s.tokensPerSecond,
                s.peakMemoryMb ?? 0, s.microBatchSplit ?? 1))
        }
        lines.append(String(
            format: "%d tokens in %.1f s (%.0f tokens/s); saved to %@", result.tokens, result.seconds, result.tokensPerSecond, result.saved ?? output))
        return lines.joined(separator: "\n")
    }
}
