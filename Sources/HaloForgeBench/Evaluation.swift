internal import Foundation
internal import HaloForgeCore
public import HaloForgeData
public import HaloForgeEngine
public import HaloForgeVerify

/// A model's score on held-out tasks: sample with the engine as it is loaded now (or a server), verify, score.
public enum Evaluation {
    public static func run(
        label: String, tasks: [BenchmarkTask], engine: any Generator, verifier: Verifier, jobs: Int, samples: Int, temperature: Double,
        maxNewTokens: Int, seed: Int, ks: [Int], log: @Sendable (String) -> Void
    ) async throws -> BenchmarkSummary {
        var p = SamplingParameters()
        p.n = samples
        p.temperature = temperature
        p.maxNewTokens = maxNewTokens
        p.seed = seed
        let generated = try await engine.generate(prompts: tasks.map { (id: $0.id, prompt: $0.prompt) }, parameters: p)
        log(String(format: "%@: generated %d samples (%.0f tokens/s), verifying", label, generated.samples.count, generated.tokensPerSecond))
        let completions = Dictionary(grouping: generated.samples, by: \.id).mapValues { $0.sorted { $0.sample < $1.sample }.map(\.completion) }
        return await Benchmark.score(dataset: label, tasks: tasks, completions: completions, verifier: verifier, jobs: jobs, ks: ks)
    }
}
