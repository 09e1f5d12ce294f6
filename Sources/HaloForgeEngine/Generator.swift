internal import Foundation
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

    /// Whether sampling and `jobs` verifier processes would fight for the same CPU cores, so
    /// they should take turns. False for a server or a GPU: verification runs beside sampling.
    func competesForCores(withJobs jobs: Int) async -> Bool
}

extension Generator {
    public func competesForCores(withJobs jobs: Int) async -> Bool { false }
}

extension Engine: Generator {
    public func generate(prompts: [(id: String, prompt: String)], parameters: SamplingParameters) async throws -> GenerationResult {
        try await generate(prompts, parameters)
    }

    public func adapterSaved(_ path: String) async throws -> [String: JSONValue] { [:] }

    /// On a CPU whose cores torch's threads fill, sampling and compilers fight (measured on 2
    /// cores: sampling 138 → 67 tokens/s, verification 20 → 1.5 samples/s).
    public func competesForCores(withJobs jobs: Int) async -> Bool {
        guard let hello = await worker.hello else { return true }
        if hello.device != "cpu" { return false }
        return ProcessInfo.processInfo.activeProcessorCount < (threads ?? hello.threads) + max(1, jobs)
    }
}
