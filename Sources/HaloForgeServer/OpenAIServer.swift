internal import FlyingFox
internal import FlyingSocks
internal import Foundation
internal import HaloForgeCore
public import HaloForgeEngine

/// FlyingFox has a JSONValue of its own.
typealias JSONValue = HaloForgeCore.JSONValue

/// An OpenAI-compatible HTTP server over the model engine: `GET /v1/models`,
/// `POST /v1/completions`, `POST /v1/chat/completions`, and `POST /v1/halo-forge/adapter`
/// (load another LoRA adapter, for RAFT sampling through the server). Requests queue at
/// the single worker, first come first served. No streaming.
public final class OpenAIServer: Sendable {
    public struct Settings: Sendable {
        /// The name clients send as `model` and `/v1/models` lists.
        public var modelName: String
        /// The folder the engine loaded (adapters are loaded on top of it).
        public var modelPath: String
        public var device = "auto"
        public var host = "127.0.0.1"
        /// 0 picks a free port; `port()` tells which.
        public var port = 8000

        public init(modelName: String, modelPath: String, device: String = "auto", host: String = "127.0.0.1", port: Int = 8000) {
            (self.modelName, self.modelPath, self.device, self.host, self.port) = (modelName, modelPath, device, host, port)
        }
    }

    public let settings: Settings
    private let engine: Engine
    private let http: HTTPServer
    private let log: @Sendable (String) -> Void
    private let created = Int(Date().timeIntervalSince1970)

    public init(engine: Engine, settings: Settings, log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.engine = engine
        self.settings = settings
        self.log = log
        let address: any SocketAddress
        do {
            address = settings.host.contains(":")
                ? try sockaddr_in6.inet6(ip6: settings.host, port: UInt16(settings.port))
                : try sockaddr_in.inet(ip4: settings.host, port: UInt16(settings.port))
        } catch {
            throw ServerError(400, "--host: '\(settings.host)' is not an IPv4 or IPv6 address")
        }
        // Generation can take minutes: the per-request limit is the client's business.
        http = HTTPServer(config: .init(address: address, timeout: 24 * 3600, logger: .disabled))
    }

    /// Serves until `stop()` (or the task is cancelled).
    public func run() async throws {
        await http.appendRoute("*") { [self] request in await self.respond(request) }
        try await http.run()
    }

    /// The port the server listens on, once it listens.
    public func port() async throws -> Int {
        try await http.waitUntilListening()
        switch await http.listeningAddress {
        case .ip4(_, let port)?, .ip6(_, let port)?: return Int(port)
        default: throw ServerError(500, "the server has no IP address")
        }
    }

    /// Stops accepting, lets requests in flight finish (up to `timeout` seconds).
    public func stop(timeout: Double = 5) async {
        await http.stop(timeout: timeout)
    }

    // MARK: - Routing

    private func respond(_ request: HTTPRequest) async -> HTTPResponse {
        let started = Date()
        let response: HTTPResponse
        var note = ""
        do {
            switch (request.method.rawValue, request.path) {
            case ("GET", "/v1/models"), ("GET", "/models"):
                response = json(200, .object([
                    "object": .string("list"),
                    "data": .array([.object([
                        "id": .string(settings.modelName), "object": .string("model"), "created": .int(created),
                        "owned_by": .string("halo-forge"),
                    ])]),
                ]))
            case ("POST", "/v1/completions"), ("POST", "/completions"):
                let (body, summary) = try await complete(try await parse(request), chat: false)
                (response, note) = (json(200, body), summary)
            case ("POST", "/v1/chat/completions"), ("POST", "/chat/completions"):
                let (body, summary) = try await complete(try await parse(request), chat: true)
                (response, note) = (json(200, body), summary)
            case ("POST", "/v1/halo-forge/adapter"):
                response = json(200, try await loadAdapter(try await parse(request)))
            case (_, "/v1/models"), (_, "/v1/completions"), (_, "/v1/chat/completions"), (_, "/v1/halo-forge/adapter"):
                throw ServerError(405, "\(request.method.rawValue) is not allowed on \(request.path)", type: "invalid_request_error")
            default:
                throw ServerError(404, "no route \(request.method.rawValue) \(request.path)", type: "invalid_request_error")
            }
        } catch let error as ServerError {
            response = errorResponse(error)
            note = error.message
        } catch {
            // The worker says bad_request for arguments it cannot use; anything else is ours.
            let text = "\(error)"
            let failure = ServerError(text.contains("bad_request") ? 400 : 500, text, type: text.contains("bad_request") ? "invalid_request_error" : "server_error")
            response = errorResponse(failure)
            note = text
        }
        log(String(format: "%@ %@ %d %.3f s%@", request.method.rawValue, request.path, response.statusCode.code, Date().timeIntervalSince(started), note.isEmpty ? "" : " " + note))
        return response
    }

    private func parse(_ request: HTTPRequest) async throws -> [String: JSONValue] {
        let data = try await request.bodyData
        guard let value = try? JSONValue.parse(data) else { throw ServerError(400, "the request body is not valid JSON") }
        guard let object = value.objectValue else { throw ServerError(400, "the request body must be a JSON object") }
        return object
    }

    // MARK: - Completions

    private func complete(_ body: [String: JSONValue], chat: Bool) async throws -> (JSONValue, String) {
        if let model = body["model"], model != .null {
            guard let name = model.stringValue else { throw ServerError(400, "'model' must be a string", param: "model") }
            guard name == settings.modelName || name == settings.modelPath else {
                throw ServerError(404, "the model '\(name)' does not exist; this server serves '\(settings.modelName)'", type: "invalid_request_error", param: "model", code: "model_not_found")
            }
        }
        if body["stream"] == .bool(true) { throw ServerError(400, "streaming is not supported by halo-forge serve", param: "stream") }
        let p = try Self.sampling(body, chat: chat)

        var prompts: [String]
        if chat {
            guard let list = body["messages"]?.arrayValue, !list.isEmpty else {
                throw ServerError(400, "'messages' must be a non-empty array", param: "messages")
            }
            let messages = try list.enumerated().map { i, item in
                guard let role = item["role"]?.stringValue else { throw ServerError(400, "messages[\(i)].role must be a string", param: "messages") }
                return ChatMessage(role: role, content: try Self.content(item["content"], index: i))
            }
            prompts = [try await engine.chatPrompt(messages).prompt]
        } else {
            switch body["prompt"] {
            case .string(let text)?: prompts = [text]
            case .array(let items)? where !items.isEmpty && items.allSatisfy({ $0.stringValue != nil }): prompts = items.compactMap(\.stringValue)
            case nil: throw ServerError(400, "'prompt' is required", param: "prompt")
            default: throw ServerError(400, "'prompt' must be a string or a non-empty array of strings (token ids are not supported)", param: "prompt")
            }
        }

        let result = try await engine.generate(prompts.enumerated().map { (id: String($0.offset), prompt: $0.element) }, p)
        var choices: [JSONValue] = []
        var promptTokens = 0
        var completionTokens = 0
        for (promptIndex, _) in prompts.enumerated() {
            let samples = result.samples.filter { $0.id == String(promptIndex) }.sorted { $0.sample < $1.sample }
            promptTokens += samples.first?.promptTokens ?? 0
            for sample in samples {
                completionTokens += sample.completionTokens
                let finish = JSONValue.string(sample.finishReason == "length" ? "length" : "stop")
                let index = JSONValue.int(promptIndex * p.n + sample.sample)
                choices.append(chat
                    ? .object(["index": index, "message": .object(["role": .string("assistant"), "content": .string(sample.completion)]), "finish_reason": finish, "logprobs": .null])
                    : .object(["index": index, "text": .string(sample.completion), "finish_reason": finish, "logprobs": .null]))
            }
        }
        let reply: JSONValue = .object([
            "id": .string((chat ? "chatcmpl-" : "cmpl-") + UUID().uuidString.lowercased()),
            "object": .string(chat ? "chat.completion" : "text_completion"),
            "created": .int(Int(Date().timeIntervalSince1970)), "model": .string(settings.modelName), "choices": .array(choices),
            "usage": .object([
                "prompt_tokens": .int(promptTokens), "completion_tokens": .int(completionTokens), "total_tokens": .int(promptTokens + completionTokens),
            ]),
        ])
        let summary = String(format: "prompts %d, n %d, %d tokens, %.0f tokens/s", prompts.count, p.n, completionTokens, result.tokensPerSecond)
        return (reply, summary)
    }

    /// A message's text: a string, or an array of `{"type": "text", "text"}` parts.
    private static func content(_ value: JSONValue?, index: Int) throws -> String {
        switch value {
        case .string(let text)?: return text
        case .null?, nil: return ""
        case .array(let parts)?:
            return try parts.map { part in
                guard part["type"]?.stringValue == "text", let text = part["text"]?.stringValue else {
                    throw ServerError(400, "messages[\(index)].content: only text parts are supported", param: "messages")
                }
                return text
            }.joined()
        default: throw ServerError(400, "messages[\(index)].content must be a string or an array of text parts", param: "messages")
        }
    }

    /// The sampling settings of a request, checked, with OpenAI's defaults.
    static func sampling(_ body: [String: JSONValue], chat: Bool) throws -> SamplingParameters {
        func number(_ key: String) throws -> Double? {
            guard let value = body[key], value != .null else { return nil }
            guard let number = value.doubleValue else { throw ServerError(400, "'\(key)' must be a number", param: key) }
            return number
        }
        func integer(_ key: String) throws -> Int? {
            guard let value = try number(key) else { return nil }
            guard value == value.rounded(), abs(value) < 1e15 else { throw ServerError(400, "'\(key)' must be an integer", param: key) }
            return Int(value)
        }
        var p = SamplingParameters()
        p.chat = "false"
        p.n = try integer("n") ?? 1
        guard (1...128).contains(p.n) else { throw ServerError(400, "'n' must be between 1 and 128", param: "n") }
        p.temperature = try number("temperature") ?? 1
        guard (0...2).contains(p.temperature) else { throw ServerError(400, "'temperature' must be between 0 and 2", param: "temperature") }
        p.topP = try number("top_p") ?? 1
        guard p.topP > 0, p.topP <= 1 else { throw ServerError(400, "'top_p' must be in (0, 1]", param: "top_p") }
        // OpenAI's completions default to 16 new tokens; chat has no such limit, so a generous one.
        p.maxNewTokens = try integer("max_tokens") ?? integer("max_completion_tokens") ?? (chat ? 512 : 16)
        guard p.maxNewTokens >= 1 else { throw ServerError(400, "'max_tokens' must be at least 1", param: "max_tokens") }
        switch body["stop"] {
        case nil, .null?: p.stop = []
        case .string(let s)?: p.stop = [s]
        case .array(let items)? where items.allSatisfy({ $0.stringValue != nil }): p.stop = items.compactMap(\.stringValue)
        default: throw ServerError(400, "'stop' must be a string or an array of strings", param: "stop")
        }
        p.seed = try integer("seed") ?? Int.random(in: 0..<(1 << 31))
        return p
    }

    // MARK: - Adapters

    private func loadAdapter(_ body: [String: JSONValue]) async throws -> JSONValue {
        let adapter: String?
        switch body["adapter"] {
        case .string(let path)?:
            guard FileManager.default.fileExists(atPath: path + "/adapter_config.json") else {
                throw ServerError(400, "'adapter': \(path) is not a PEFT adapter folder (no adapter_config.json)", param: "adapter")
            }
            adapter = path
        case .null?, nil: adapter = nil
        default: throw ServerError(400, "'adapter' must be a folder path or null", param: "adapter")
        }
        try await engine.load(model: settings.modelPath, adapter: adapter, device: settings.device)
        log("loaded adapter \(adapter ?? "(none)")")
        return .object(["model": .string(settings.modelName), "adapter": adapter.map(JSONValue.string) ?? .null])
    }

    // MARK: - Responses

    private func json(_ status: Int, _ value: JSONValue) -> HTTPResponse {
        HTTPResponse(
            statusCode: HTTPStatusCode(status, phrase: Self.phrase(status)), headers: [.contentType: "application/json"],
            body: Data(value.serialized.utf8))
    }

    private func errorResponse(_ error: ServerError) -> HTTPResponse {
        json(error.status, .object(["error": .object([
            "message": .string(error.message), "type": .string(error.type),
            "param": error.param.map(JSONValue.string) ?? .null, "code": error.code.map(JSONValue.string) ?? .null,
        ])]))
    }

    private static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        default: "Internal Server Error"
        }
    }
}

/// A request the server answers with OpenAI's error JSON.
public struct ServerError: Error, CustomStringConvertible {
    public var status: Int
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?

    public init(_ status: Int, _ message: String, type: String = "invalid_request_error", param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    public var description: String { message }
}
