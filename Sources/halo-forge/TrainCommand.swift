import ArgumentParser
import HaloForgeEngine

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tune on JSONL (prompt, completion) pairs: LoRA by default, loss on completions only.")

    @OptionGroup var engineOptions: EngineOptions
    @Option(help: "Training JSONL with prompt and completion.") var data: String
    @Option(help: "Folder for the adapter (PEFT format) or, with --full, the model.") var output: String
    @Flag(help: "Full fine-tuning instead of LoRA.") var full = false
    @Option(help: "Optimizer steps (default: one epoch).") var steps: Int?
    @Option(help: "Learning rate (peak of the warmup/decay schedule).") var learningRate: Double = 2e-4
    @Option(help: "LoRA rank.") var rank: Int = 16
    @Option(help: "Tokens per batch (dynamic padding, length-grouped).") var batchTokens: Int = 4096
    @Option(help: "Gradient accumulation steps.") var gradAccum: Int = 1
    @Option(help: "Random seed.") var seed: Int = 0
    @OptionGroup var distributedOptions: DistributedOptions

    func run() async throws {
        let records = try readJSONL(data, required: ["prompt", "completion"])
        var p = TrainingParameters()
        p.mode = full ? "full" : "lora"
        p.steps = steps
        p.learningRate = learningRate
        p.rank = rank
        p.alpha = rank * 2
        p.batchTokens = batchTokens
        p.gradAccum = gradAccum
        p.seed = seed
        p.gradientCheckpointing = distributedOptions.gradientCheckpointing
        p.distributed = distributedOptions.distributed
        let examples = records.map { (prompt: $0["prompt"]!.stringValue!, completion: $0["completion"]!.stringValue!) }
        let result = try await engineOptions.withLoadedEngine { engine, _ in
            try await engine.train(examples, p, saveTo: output, progress: progressPrinter("train"))
        }
        Terminal.clearLine()
        print("step  loss      grad norm  lr         tokens/s  peak MiB  split")
        for s in result.steps {
            print(String(format: "%4d  %-8.4f  %-9.3f  %-9.2e  %-8.0f  %-8.0f  %d", s.step, s.loss, s.gradNorm, s.lr, s.tokensPerSecond,
                         s.peakMemoryMb ?? 0, s.microBatchSplit ?? 1))
        }
        print(String(format: "%d tokens in %.1f s (%.0f tokens/s); saved to %@", result.tokens, result.seconds, result.tokensPerSecond, result.saved ?? output))
    }
}
