import ArgumentParser
import Foundation
import HaloForgeCore
import HaloForgeEngine

/// What samples: the model worker, or a vLLM server halo-forge starts and stops itself.
enum SamplingEngine: String, ExpressibleByArgument, CaseIterable {
    case worker
    case vllm
}

/// Flags of commands that can sample through an OpenAI-compatible server instead of the
/// local engine.
struct GeneratorOptions: ParsableArguments {
    @Option(help: "Sampling engine: worker (the local model worker), or vllm (a vLLM server halo-forge starts on a free loopback port and stops on exit; each LoRA adapter is hot-loaded and checked with a greedy probe against the worker). vllm needs `halo-forge model setup --vllm`.")
    var engine: SamplingEngine = .worker

    @Option(help: "With --engine vllm: one more argument for vLLM's server (repeatable, e.g. --vllm-arg=--max-model-len --vllm-arg=4096).")
    var vllmArg: [String] = []

    @Option(help: "With --engine vllm: seconds vLLM may take to start (loading and compiling; minutes on a busy CPU).")
    var vllmStartupTimeout: Double = 1800

    @Option(help: "Sample through this OpenAI-compatible server (http://HOST:PORT, with or without /v1: halo-forge serve, vLLM, llama.cpp, Ollama) instead of the local engine.")
    var generator: String?

    @Option(help: "With --generator: the model name to send (default: the first listed by its /v1/models).")
    var generatorModel: String?

    @Option(help: "With --generator: the endpoint, completions (raw prompts) or chat (each prompt as one user message).")
    var generatorApi: OpenAIGenerator.API = .completions

    @Option(help: "With --generator or --engine vllm: requests in flight at once.")
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
        if engine == .vllm, generator != nil { throw ValidationError("give --engine vllm or --generator, not both") }
        if engine != .vllm, !vllmArg.isEmpty { throw ValidationError("--vllm-arg needs --engine vllm") }
        if vllmStartupTimeout <= 0 { throw ValidationError("--vllm-startup-timeout must be positive") }
    }

    /// The remote generator, or nil for the local engine (or for vLLM, which `withVLLM` starts).
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

    /// With --engine vllm: starts vLLM on `model` (a local folder), runs `body` with a generator
    /// over it, and stops the server on every way out (return, error, SIGINT/SIGTERM).
    /// Otherwise `body` gets the --generator client, or nil for the worker.
    func withGenerator<T: Sendable>(
        engine worker: Engine, model: String, dtype: String = "auto", loraRank: Int = 16, api: OpenAIGenerator.API? = nil, _ body: ((any Generator)?) async throws -> T
    ) async throws -> T {
        guard engine == .vllm else { return try await body(try makeGenerator()) }
        // Ctrl-C or a kill, from the server's start on: end vLLM's process group (and the worker) before exiting.
        let stopper = SignalStopper {
            VLLMServer.stopAll()
            await worker.shutdown()
            Foundation.exit(130)
        }
        defer {
            stopper.cancel()
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        let server: VLLMServer
        do {
            let environment = try VLLMEnvironment.existing()
            server = try await VLLMServer.start(
                environment: environment, model: model, servedName: URL(fileURLWithPath: model).lastPathComponent,
                dtype: VLLMServer.dtype(for: dtype), maxLoraRank: loraRank, extraArguments: vllmArg, startupTimeout: vllmStartupTimeout
            ) { Terminal.note($0) }
        } catch {
            throw CommandError("\(error)")
        }
        defer { server.stop() }
        do {
            let generator = try VLLMGenerator(
                server: server, engine: worker, api: api ?? generatorApi, concurrency: generatorConcurrency, requestTimeout: generatorTimeout,
                probePrefix: VLLMServer.dtype(for: dtype) == "float32" ? nil : 8) { Terminal.note($0) }
            return try await body(generator)
        } catch let error as CommandError {
            throw error
        } catch {
            throw CommandError("\(error)")
        }
    }
}

extension OpenAIGenerator.API: ExpressibleByArgument {}
