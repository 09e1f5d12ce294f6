import ArgumentParser

struct GenerateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generation tokens/s of the engine against a naive loop of one model.generate per prompt and sample (with --engine vllm: against vLLM).")

    @OptionGroup var engineOptions: EngineOptions
    @Option(help: "Prompts.") var prompts: Int = 4
    @Option(help: "Samples per prompt.") var samples: Int = 8
    @Option(help: "New tokens per sample.") var maxNewTokens: Int = 64
    @OptionGroup var generatorOptions: GeneratorOptions

    func run() async throws {
        try await engineOptions.withLoadedEngine { engine, path in
            try await EngineSpeed.generation(engine: engine, path: path, generator: generatorOptions.setup, prompts: prompts, samples: samples, maxNewTokens: maxNewTokens)
        }
    }
}

struct TrainBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training tokens/s of the engine (dynamic, length-grouped padding) against padding every sequence to 2048 tokens.")

    @OptionGroup var engineOptions: EngineOptions
    @Option(help: "Training pairs.") var examples: Int = 32
    @Option(help: "Optimizer steps per variant.") var steps: Int = 5

    func run() async throws {
        try await engineOptions.withLoadedEngine { engine, path in
            let result = try await engine.benchTrain(EngineSpeed.examples(examples), steps: steps)
            EngineSpeed.report(model: path, work: "\(examples) pairs, \(steps) steps per variant", result)
        }
    }
}
