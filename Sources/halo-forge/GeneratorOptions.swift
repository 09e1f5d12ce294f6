import ArgumentParser
import HaloForgeEngine

/// Flags of commands that can sample through an OpenAI-compatible server instead of the
/// local engine.
struct GeneratorOptions: ParsableArguments {
    @Option(help: "Sampling engine: worker (the local model worker), or vllm (a vLLM server halo-forge starts on a free loopback port and stops on exit; each LoRA adapter is hot-loaded and checked with a greedy probe against the worker). vllm needs `halo-forge model setup --vllm`.")
    var engine: SamplingEngine = .worker
    @Option(help: "With --engine vllm: one more argument for vLLM's server (repeatable, e.g. --vllm-arg=--max-model-len --vllm-arg=4096).") var vllmArg: [String] = []
    @Option(help: "With --engine vllm: seconds vLLM may take to start (loading and compiling; minutes on a busy CPU).") var vllmStartupTimeout: Double = 1800
    @Option(help: "Sample through this OpenAI-compatible server (http://HOST:PORT, with or without /v1: halo-forge serve, vLLM, llama.cpp, Ollama) instead of the local engine.") var generator: String?
    @Option(help: "With --generator: the model name to send (default: the first listed by its /v1/models).") var generatorModel: String?
    @Option(help: "With --generator: the endpoint, completions (raw prompts) or chat (each prompt as one user message).") var generatorApi: OpenAIGenerator.API = .completions
    @Option(help: "With --generator or --engine vllm: requests in flight at once.") var generatorConcurrency: Int = 4
    @Option(help: "With --generator: seconds one request may take (it is not sent again after that).") var generatorTimeout: Double = 600
    @Flag(help: "With --generator pointing at halo-forge serve on this machine: have it load each adapter RAFT trains (otherwise the server keeps sampling its own model).") var generatorReload = false

    func validate() throws {
        do { try setup.validate() } catch { throw ValidationError("\(error)") }
    }

    /// The generator these flags describe.
    var setup: GeneratorSetup {
        var g = GeneratorSetup()
        (g.engine, g.vllmArguments, g.vllmStartupTimeout) = (engine, vllmArg, vllmStartupTimeout)
        (g.url, g.model, g.api) = (generator, generatorModel, generatorApi)
        (g.concurrency, g.requestTimeout, g.reloadsAdapters) = (generatorConcurrency, generatorTimeout, generatorReload)
        return g
    }
}

extension OpenAIGenerator.API: ExpressibleByArgument {}
extension SamplingEngine: ExpressibleByArgument {}
