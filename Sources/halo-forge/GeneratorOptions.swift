import ArgumentParser
import HaloForgeEngine

/// Flags of commands that can sample through an OpenAI-compatible server instead of the
/// local engine.
struct GeneratorOptions: ParsableArguments {
    @Option(help: "Sample through this OpenAI-compatible server (http://HOST:PORT, with or without /v1: halo-forge serve, vLLM, llama.cpp, Ollama) instead of the local engine.")
    var generator: String?

    @Option(help: "With --generator: the model name to send (default: the first listed by its /v1/models).")
    var generatorModel: String?

    @Option(help: "With --generator: the endpoint, completions (raw prompts) or chat (each prompt as one user message).")
    var generatorApi: OpenAIGenerator.API = .completions

    @Option(help: "With --generator: requests in flight at once.")
    var generatorConcurrency: Int = 4

    @Option(help: "With --generator: seconds one request may take (it is not sent again after that).")
    var generatorTimeout: Double = 600

    @Flag(help: "With --generator pointing at halo-forge serve on this machine: have it load each adapter RAFT trains (otherwise the server keeps sampling its own model).")
    var generatorReload = false

    func validate() throws {
        if generatorTimeout <= 0 { throw ValidationError("--generator-timeout must be positive") }
        if generatorConcurrency < 1 { throw ValidationError("--generator-concurrency must be at least 1") }
        if generator == nil, generatorModel != nil || generatorReload {
            throw ValidationError("--generator-model and --generator-reload need --generator")
        }
    }

    /// The remote generator, or nil for the local engine.
    func makeGenerator() throws -> OpenAIGenerator? {
        guard let generator else { return nil }
        do {
            return try OpenAIGenerator(
                url: generator, model: generatorModel, api: generatorApi, concurrency: generatorConcurrency,
                requestTimeout: generatorTimeout, reloadsAdapters: generatorReload) { Terminal.note($0) }
        } catch {
            throw CommandError("\(error)")
        }
    }
}

extension OpenAIGenerator.API: ExpressibleByArgument {}
