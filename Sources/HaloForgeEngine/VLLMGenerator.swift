public import Foundation
public import HaloForgeCore

/// Samples through a vLLM server halo-forge started, and proves that each adapter RAFT trains
/// reached it. Each new adapter is loaded under a new name (`/v1/load_lora_adapter`), then a
/// fixed greedy probe runs through the server and through the worker (which holds the same
/// adapter): a difference stops the run instead of letting it train for cycles on the wrong
/// policy. Only then is the previous adapter unloaded and sampling moved to the new name.
public actor VLLMGenerator: Generator {
    public let server: VLLMServer
    /// The worker: the reference a probe is held against.
    public let engine: Engine
    public let api: OpenAIGenerator.API
    public let concurrency: Int
    public let requestTimeout: Double
    /// Prompts of the greedy probe (raw text, no chat template), and its new tokens per prompt.
    public let probePrompts: [String]
    public let probeTokens: Int
    /// Tokens that must agree from the start of each probe output; nil: every token (exact).
    /// float32 on both sides is exact; bfloat16 kernels differ, and greedy near-ties flip later.
    public let probePrefix: Int?
    private let log: @Sendable (String) -> Void
    private var client: OpenAIGenerator
    /// The same server for prompts framed by the chat template (no special tokens added).
    private var framedClient: OpenAIGenerator
    /// The served name sampling uses now: the base model's, or the last adapter's.
    public private(set) var modelName: String
    private var loads = 0
    /// Test hook: `HALO_FORGE_VLLM_SKIP_ADAPTER_LOAD=1` never sends the adapter to the server
    /// (what a broken weight sync does); the probe must catch it.
    private let skipLoad = ProcessInfo.processInfo.environment["HALO_FORGE_VLLM_SKIP_ADAPTER_LOAD"] == "1"

    public static let defaultProbePrompts = [
        "int add(int a, int b) {", "def is_prime(n):", "Write a C function that reverses a string in place.",
    ]

    public init(
        server: VLLMServer, engine: Engine, api: OpenAIGenerator.API = .completions, concurrency: Int = 8, requestTimeout: Double = 600,
        probePrompts: [String] = VLLMGenerator.defaultProbePrompts, probeTokens: Int = 24, probePrefix: Int? = nil,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        self.server = server
        self.engine = engine
        self.api = api
        self.concurrency = concurrency
        self.requestTimeout = requestTimeout
        self.probePrompts = probePrompts
        self.probeTokens = probeTokens
        self.probePrefix = probePrefix
        self.log = log
        modelName = server.servedName
        (client, framedClient) = try Self.makeClients(
            server: server, model: server.servedName, api: api, concurrency: concurrency, requestTimeout: requestTimeout, log: log)
    }

    /// Samples as the worker would: where the worker frames a prompt with the model's chat
    /// template (`chat` "auto" with a template, or "true"), the same framed text goes to the
    /// server as a raw completion without added special tokens, so both engines see the same
    /// token ids (the chat endpoint would apply vLLM's own idea of the template).
    public func generate(prompts: [(id: String, prompt: String)], parameters: SamplingParameters) async throws -> GenerationResult {
        do {
            if api == .completions, parameters.chat != "false", let framed = try await framed(prompts, always: parameters.chat == "true") {
                return try await framedClient.generate(prompts: framed, parameters: parameters)
            }
            return try await client.generate(prompts: prompts, parameters: parameters)
        } catch {
            throw GeneratorError("\(error)\(server.isRunning ? "" : " (vLLM is gone)")\(server.lastOutput)")  // its last words say why
        }
    }

    /// Prompt text → the worker's chat framing of it; nil: the model has no template.
    private var framings: [String: String?] = [:]

    /// `prompts` framed by the worker's chat template, or nil when the model has none (and
    /// `always` is false): then the worker samples the raw text too.
    private func framed(_ prompts: [(id: String, prompt: String)], always: Bool) async throws -> [(id: String, prompt: String)]? {
        var out: [(id: String, prompt: String)] = []
        for (id, prompt) in prompts {
            if framings[prompt] == nil {
                let (text, templated) = try await engine.chatPrompt([ChatMessage(role: "user", content: prompt)])
                framings[prompt] = .some(templated || always ? text : nil)
            }
            guard let text = framings[prompt] ?? nil else { return nil }
            out.append((id, text))
        }
        return out
    }

    private static func makeClients(server: VLLMServer, model: String, api: OpenAIGenerator.API, concurrency: Int, requestTimeout: Double,
        log: @escaping @Sendable (String) -> Void) throws -> (raw: OpenAIGenerator, framed: OpenAIGenerator) {
        let raw = try OpenAIGenerator(url: server.url, model: model, api: api, apiKey: nil, concurrency: concurrency, requestTimeout: requestTimeout,
            sendsSeed: VLLMEnvironment.hasCUDA, log: log)
        let framed = try OpenAIGenerator(url: server.url, model: model, api: api, apiKey: nil, concurrency: concurrency, requestTimeout: requestTimeout,
            sendsSeed: VLLMEnvironment.hasCUDA, extraBody: ["add_special_tokens": .bool(false)], log: log)
        return (raw, framed)
    }

    /// Loads the adapter at `path`, probes it, switches sampling to it and unloads the one
    /// before. Returns `["adapter_probe": …]` for the run's cycle record; throws on a mismatch.
    public func adapterSaved(_ path: String) async throws -> [String: JSONValue] {
        guard FileManager.default.fileExists(atPath: path + "/adapter_config.json") else {
            throw GeneratorError("--engine vllm serves LoRA adapters; \(path) is not one (a full fine-tune needs the worker engine)")
        }
        loads += 1
        let name = "adapter-\(loads)"
        var target = name
        if skipLoad {
            log("vllm: HALO_FORGE_VLLM_SKIP_ADAPTER_LOAD: not loading \(path) (test hook)")
            target = modelName
        } else {
            let reply = try await server.post("/v1/load_lora_adapter", .object(["lora_name": .string(name), "lora_path": .string(path)]))
            guard reply.status == 200 else {
                throw GeneratorError("vLLM did not load the adapter \(path) as \(name): HTTP \(reply.status): \(reply.text.prefix(300))")
            }
        }
        let probe = try await self.probe(model: target, adapter: path)
        guard probe.passed else {
            throw GeneratorError(
                "adapter probe failed: vLLM's greedy output with \(target) differs from the worker's with \(path) (\(probe.detail)); "
                    + "the server is not sampling the trained adapter, stopping")
        }
        let previous = modelName
        if previous != target, previous != server.servedName {
            let reply = try await server.post("/v1/unload_lora_adapter", .object(["lora_name": .string(previous)]))
            if reply.status != 200 { log("vllm: unloading \(previous): HTTP \(reply.status): \(reply.text.prefix(200))") }
        }
        modelName = target
        (client, framedClient) = try Self.makeClients(
            server: server, model: target, api: api, concurrency: concurrency, requestTimeout: requestTimeout, log: log)
        log("vllm: sampling with \(target) (\(path)); probe \(probe.matched)/\(probe.cases) prompts \(probePrefix == nil ? "token-exact" : "agree")")
        return ["adapter_probe": probe.record]
    }

    public struct ProbeResult: Sendable {
        public var passed: Bool
        /// Probe cases whose outputs agreed (exactly, or on the first `probePrefix` tokens).
        public var matched: Int
        /// Probe cases run: the raw prompts, and one framed by the chat template when the model has one.
        public var cases: Int
        public var detail: String
        public var record: JSONValue
    }

    /// Greedy outputs of the probe prompts through the server (`model`) and the worker: each
    /// raw prompt, and, when the model has a chat template, the last prompt framed by it the way
    /// sampling frames prompts (so a server that sees other token ids than the worker fails too).
    public func probe(model: String, adapter: String?) async throws -> ProbeResult {
        var p = SamplingParameters()
        p.n = 1
        p.temperature = 0
        p.maxNewTokens = probeTokens
        p.chat = "false"
        p.tokenIds = true
        var cases = probePrompts.map { (prompt: $0, sent: $0, chat: false) }
        let reference = try await engine.generate(probePrompts.enumerated().map { (id: String($0.offset), prompt: $0.element) }, p)
        var references = reference.samples
        if let last = probePrompts.last, let framed = try await framed([(id: "chat", prompt: last)], always: false)?.first {
            p.chat = "auto"
            references += try await engine.generate([(id: "chat", prompt: last)], p).samples
            cases.append((prompt: last, sent: framed.prompt, chat: true))
        }
        var matched = 0
        var rows: [JSONValue] = []
        var firstMismatch = ""
        for (i, probeCase) in cases.enumerated() {
            var body: [String: JSONValue] = [
                "model": .string(model), "prompt": .string(probeCase.sent), "max_tokens": .int(probeTokens), "temperature": .double(0),
                "return_token_ids": .bool(true),
            ]
            if probeCase.chat { body["add_special_tokens"] = .bool(false) }
            let reply = try await client.send("POST", "completions", body: .object(body))
            let choice = reply["choices"]?.arrayValue?.first
            let served = choice?["token_ids"]?.arrayValue?.compactMap(\.intValue)
            let text = choice?["text"]?.stringValue ?? ""
            let mine = references[i].tokenIds ?? []
            let common = served.map { zip($0, mine).prefix { $0 == $1 }.count } ?? 0
            let same: Bool
            if let served {
                // one side may count the EOS that ended it, the other not
                let full = served == mine || served.dropLast() == mine[...] || mine.dropLast() == served[...]
                same = probePrefix.map { common >= min($0, mine.count, served.count) } ?? full
            } else {
                same = text == references[i].completion  // a server without token ids: the texts
            }
            if same { matched += 1 } else if firstMismatch.isEmpty {
                firstMismatch = "prompt \(i + 1)\(probeCase.chat ? " (chat template)" : "") \(String(reflecting: probeCase.prompt)): server \(String(reflecting: text)), worker \(String(reflecting: references[i].completion)), first \(common) tokens agree"
            }
            rows.append(.object([
                "prompt": .string(probeCase.prompt), "chat_template": .bool(probeCase.chat), "matched": .bool(same), "common_prefix_tokens": .int(common),
                "server_tokens": .int(served?.count ?? -1), "worker_tokens": .int(mine.count),
            ]))
        }
        let passed = matched == cases.count
        let record: JSONValue = .object([
            "model": .string(model), "adapter": adapter.map(JSONValue.string) ?? .null, "passed": .bool(passed),
            "matched": .int(matched), "prompts": .int(cases.count), "max_new_tokens": .int(probeTokens),
            "rule": .string(probePrefix.map { "first \($0) tokens" } ?? "token-exact"), "outputs": .array(rows),
        ])
        return ProbeResult(passed: passed, matched: matched, cases: cases.count, detail: firstMismatch, record: record)
    }
}
