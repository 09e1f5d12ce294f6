import ArgumentParser
import HaloForgeEngine

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample completions for JSONL prompts (id, prompt) with the model engine.",
        discussion: "Output records: id, sample, completion, prompt_tokens, completion_tokens, finish_reason.")

    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var generatorOptions: GeneratorOptions
    @Option(help: "Input JSONL with id and prompt.") var prompts: String
    @Option(help: "Samples per prompt.") var samples: Int = 8
    @Option(help: "Sampling temperature (0: greedy).") var temperature: Double = 0.7
    @Option(help: "Nucleus sampling top-p.") var topP: Double = 0.95
    @Option(help: "Most new tokens per completion.") var maxNewTokens: Int = 256
    @Option(help: "A stop string (repeatable).") var stop: [String] = []
    @Option(help: "Random seed.") var seed: Int = 0
    @Option(name: [.short, .long], help: "Output JSONL, or - for standard output.") var output: String = "-"

    func validate() throws {
        if samples < 1 { throw ValidationError("--samples must be at least 1") }
        if maxNewTokens < 1 { throw ValidationError("--max-new-tokens must be at least 1") }
    }

    func run() async throws {
        var p = SamplingParameters()
        (p.n, p.temperature, p.topP, p.maxNewTokens, p.stop, p.seed) = (samples, temperature, topP, maxNewTokens, stop, seed)
        try await PromptSampling.run(
            input: prompts, output: output, parameters: p, generator: generatorOptions.setup,
            model: engineOptions.model, adapter: engineOptions.adapter, threads: engineOptions.threads, device: engineOptions.device)
    }
}
