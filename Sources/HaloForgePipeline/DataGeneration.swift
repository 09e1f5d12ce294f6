public import HaloForgeData
internal import HaloForgeEngine
public import HaloForgeVerify

extension TaskGeneration {
    /// `data generate` against a real chat model and the sandbox: each request goes to the chat
    /// endpoint of the OpenAI-compatible `server` (`model`: the name to send, nil for its first),
    /// and the parsed solutions are verified `jobs` at a time.
    public func run(
        server: String, model: String?, temperature: Double, maxTokens: Int, verifier: Verifier, jobs: Int
    ) async throws -> Report {
        let client: OpenAIGenerator
        do {
            client = try OpenAIGenerator(url: server, model: model, api: .chat, concurrency: concurrency) { Terminal.note($0) }
        } catch { throw CommandError("\(error)") }
        var parameters = SamplingParameters()
        (parameters.n, parameters.temperature, parameters.maxNewTokens) = (1, temperature, maxTokens)
        let base = parameters
        return try await run(
            ask: { seed, prompt in
                var request = base
                request.seed = seed
                do {
                    return try await client.generate(prompts: [(id: String(seed), prompt: prompt)], parameters: request).samples.first?.completion ?? ""
                } catch { throw CommandError("\(error)") }
            },
            verify: { await verifier.verifyAll($0, jobs: jobs) })
    }
}
