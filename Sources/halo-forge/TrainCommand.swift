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
        var p = PairTraining.parameters(full: full, rank: rank)
        (p.steps, p.learningRate, p.batchTokens, p.gradAccum, p.seed) = (steps, learningRate, batchTokens, gradAccum, seed)
        (p.gradientCheckpointing, p.distributed) = (distributedOptions.gradientCheckpointing, distributedOptions.distributed)
        try await engineOptions.withLoadedEngine { engine, _ in
            try await PairTraining.run(data: data, output: output, parameters: p, engine: engine)
        }
    }
}
