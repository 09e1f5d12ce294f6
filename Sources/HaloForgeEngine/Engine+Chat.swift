internal import HaloForgeCore

/// One message of a chat.
public struct ChatMessage: Sendable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

extension Engine {
    /// The prompt text the model's chat template makes of `messages` (with the generation
    /// prompt); without a template, plain `role: content` lines and `assistant:`.
    public func chatPrompt(_ messages: [ChatMessage]) async throws -> (prompt: String, templated: Bool) {
        let result = try await worker.request("chat_prompt", [
            "messages": .array(messages.map { .object(["role": .string($0.role), "content": .string($0.content)]) }),
        ])
        guard let prompt = result["prompt"]?.stringValue else { throw GeneratorError("chat_prompt: the worker sent no prompt") }
        return (prompt, result["templated"] == .bool(true))
    }

    /// The worker's state: the loaded model and adapter paths.
    public func loadedPaths() async throws -> (model: String?, adapter: String?) {
        let health = try await health()
        return (health["model"]?.stringValue, health["adapter"]?.stringValue)
    }
}
