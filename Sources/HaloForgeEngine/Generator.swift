public import HaloForgeCore

/// Something that samples completions for prompts: the local engine, or any
/// OpenAI-compatible server (`OpenAIGenerator`).
public protocol Generator: Sendable {
    /// `parameters.n` samples per prompt, in prompt order, then sample 0..n-1.
    func generate(prompts: [(id: String, prompt: String)], parameters: SamplingParameters) async throws -> GenerationResult

    /// A new adapter was saved at `path` (RAFT trains one each cycle). A generator that
    /// serves its own copy of the model loads it here; the local engine already has it.
    /// Returns what the run should record about it (vLLM: the adapter probe), or nothing.
    @discardableResult
    func adapterSaved(_ path: String) async throws -> [String: JSONValue]
}

extension Engine: Generator {
    public func generate(prompts: [(id: String, prompt: String)], parameters: SamplingParameters) async throws -> GenerationResult {
        try await generate(prompts, parameters)
    }

    public func adapterSaved(_ path: String) async throws -> [String: JSONValue] { [:] }
}
