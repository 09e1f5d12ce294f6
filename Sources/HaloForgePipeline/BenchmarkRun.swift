public import Foundation
public import HaloForgeBench
public import HaloForgeData
public import HaloForgeEngine
public import HaloForgeVerify

/// `benchmark run`: completions for `tasks` (sampled, or read from a file), scored with the
/// unbiased pass@k estimator; the table printed, the JSON summary written to `output`.
public enum BenchmarkRun {
    /// Where the completions come from: a JSONL file (replay), or sampled by `generator` with `model`.
    public struct Completions: Sendable {
        public var file: String?
        public var generator = GeneratorSetup()
        public var model: String?
        public var adapter: String?
        public var sampling = SamplingParameters()

        public init() {}
    }

    public static func run(
        dataset: String, tasks: [BenchmarkTask], completions from: Completions, ks: [Int], jobs: Int, output: String?,
        verifier makeVerifier: () throws -> Verifier
    ) async throws {
        let texts: [String: [String]]
        if let file = from.file {
            do { texts = try Benchmark.match(try Benchmark.readCompletions(file), to: tasks, file: file) { Terminal.note($0) } } catch {
                throw CommandError("\(error)")
            }
        } else {
            let prompts = tasks.map { (id: $0.id, prompt: $0.prompt) }
            let result = try await from.generator.generate(prompts, from.sampling, model: from.model, adapter: from.adapter, threads: nil)
            texts = Dictionary(grouping: result.samples, by: \.id).mapValues { $0.sorted { $0.sample < $1.sample }.map(\.completion) }
            Terminal.note(String(format: "\rgenerated %d samples (%.0f tokens/s)", result.samples.count, result.tokensPerSecond))
        }
        let verifier = try makeVerifier()
        let progress = VerifyProgress(total: tasks.reduce(0) { $0 + (texts[$1.id]?.count ?? 0) })
        let summary = await Benchmark.score(
            dataset: dataset, tasks: tasks, completions: texts, verifier: verifier, jobs: jobs, ks: ks, progress: { progress.record($0) })
        Terminal.clearLine()
        print(summary.table)
        if let output { try Data((summary.json.serialized + "\n").utf8).write(to: URL(fileURLWithPath: output)) }
    }
}
