public import Foundation
public import HaloForgeEngine

/// What samples: the model worker, or a vLLM server halo-forge starts and stops itself.
public enum SamplingEngine: String, Sendable, CaseIterable {
    case worker
    case vllm
}

/// Where samples come from: the local worker, an OpenAI-compatible server, or a vLLM server
/// started for the run.
public struct GeneratorSetup: Sendable {
    public var engine: SamplingEngine = .worker
    /// Extra arguments for vLLM's server.
    public var vllmArguments: [String] = []
    /// Seconds vLLM may take to start.
    public var vllmStartupTimeout: Double = 1800
    /// An OpenAI-compatible server's URL; nil samples locally.
    public var url: String?
    /// The model name to send to that server (nil: the first it lists).
    public var model: String?
    public var api: OpenAIGenerator.API = .completions
    /// Requests in flight at once.
    public var concurrency = 4
    /// Seconds one request may take.
    public var requestTimeout: Double = 600
    /// Whether the server (halo-forge serve) loads each adapter RAFT trains.
    public var reloadsAdapters = false

    public init() {}

    /// The first contradiction among these settings, named by the flags that give them.
    public func validate() throws {
        if requestTimeout <= 0 { throw CommandError("--generator-timeout must be positive") }
        if concurrency < 1 { throw CommandError("--generator-concurrency must be at least 1") }
        if url == nil, model != nil || reloadsAdapters { throw CommandError("--generator-model and --generator-reload need --generator") }
        if engine == .vllm, url != nil { throw CommandError("give --engine vllm or --generator, not both") }
        if engine != .vllm, !vllmArguments.isEmpty { throw CommandError("--vllm-arg needs --engine vllm") }
        if vllmStartupTimeout <= 0 { throw CommandError("--vllm-startup-timeout must be positive") }
    }

    /// The remote generator, or nil for the local engine (or for vLLM, which `withGenerator` starts).
    public func makeGenerator() throws -> OpenAIGenerator? {
        guard let url else { return nil }
        do {
            return try OpenAIGenerator(
                url: url, model: model, api: api, concurrency: concurrency,
                requestTimeout: requestTimeout, reloadsAdapters: reloadsAdapters) { Terminal.note($0) }
        } catch {
            throw CommandError("\(error)")
        }
    }

    /// With vLLM: starts it on `model` (a local folder), runs `body` with a generator over it,
    /// and stops the server on every way out (return, error, SIGINT/SIGTERM). Otherwise `body`
    /// gets the remote client, or nil for the worker.
    public func withGenerator<T: Sendable>(
        engine worker: Engine, model: String, dtype: String = "auto", loraRank: Int = 16, api: OpenAIGenerator.API? = nil,
        _ body: ((any Generator)?) async throws -> T
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
                dtype: VLLMServer.dtype(for: dtype), maxLoraRank: loraRank, extraArguments: vllmArguments, startupTimeout: vllmStartupTimeout
            ) { Terminal.note($0) }
        } catch {
            throw CommandError("\(error)")
        }
        defer { server.stop() }
        do {
            let generator = try VLLMGenerator(
                server: server, engine: worker, api: api ?? self.api, concurrency: concurrency, requestTimeout: requestTimeout,
                probePrefix: VLLMServer.dtype(for: dtype) == "float32" ? nil : 8) { Terminal.note($0) }
            return try await body(generator)
        } catch let error as CommandError {
            throw error
        } catch {
            throw CommandError("\(error)")
        }
    }

    /// Samples `prompts` with `model` (and `adapter`): through vLLM, the remote server, or the worker.
    public func generate(
        _ prompts: [(id: String, prompt: String)], _ parameters: SamplingParameters, model: String?, adapter: String?, threads: Int?,
        device: String = "auto"
    ) async throws -> GenerationResult {
        if engine == .vllm {
            guard let model else { throw CommandError("--engine vllm needs --model") }
            return try await withLoadedEngine(model: model, adapter: adapter, threads: threads, device: device) { engine, path in
                try await withGenerator(engine: engine, model: path) { vllm in
                    if let adapter { try await vllm!.adapterSaved(adapter) }  // loaded, probed
                    return try await vllm!.generate(prompts: prompts, parameters: parameters)
                }
            }
        }
        if let remote = try makeGenerator() {
            do { return try await remote.generate(prompts: prompts, parameters: parameters) } catch { throw CommandError("\(error)") }
        }
        guard let model, !model.isEmpty else { throw CommandError("give --model: a model folder, a Hugging Face id, or tiny / smollm2") }
        return try await withLoadedEngine(model: model, adapter: adapter, threads: threads, device: device) { engine, _ in
            try await engine.generate(prompts, parameters, progress: progressPrinter("generate"))
        }
    }
}
