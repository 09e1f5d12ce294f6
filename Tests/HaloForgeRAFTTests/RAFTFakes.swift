import Foundation
import HaloForgeCore
import HaloForgeData
@testable import HaloForgeEngine
@testable import HaloForgeRAFT

/// In-memory stand-ins for the model and the verifier: RAFT's loop runs against a real run
/// store in milliseconds. Every output is a function of its input, so two runs that make the
/// same requests store the same samples.

/// The error a fake throws to stand for a crash (kill -9) at that point.
struct Crash: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A run's prompts: `p0`, `p1`, … (C, with an I/O test, so a passing sample is worth 1.0).
func fakeTasks(_ count: Int, from first: Int = 0) -> [BenchmarkTask] {
    (first..<(first + count)).map { i in
        BenchmarkTask(id: "p\(i)", language: .c, prompt: "prompt \(i)", completesPrompt: false, test: nil, io: [IOCase(stdin: "", stdout: "\(i)\n")])
    }
}

/// The fake reward of a completion: written into the completion as `reward=R`.
func fakeReward(_ completion: String) -> Double {
    completion.split(separator: " ").first { $0.hasPrefix("reward=") }.flatMap { Double($0.dropFirst(7)) } ?? 0
}

actor FakeGenerator: Generator {
    /// The reward of sample `index` of `prompt` (the verifier reads it back from the text).
    let reward: @Sendable (_ prompt: String, _ index: Int) -> Double
    /// Requests answered before the next one crashes; nil: never.
    var crashAfterRequests: Int?
    let probeFails: Bool
    let competes: Bool
    private(set) var requests: [(prompts: [String], n: Int, seed: Int, temperature: Double)] = []
    private(set) var adapters: [String] = []

    init(
        crashAfterRequests: Int? = nil, probeFails: Bool = false, competes: Bool = false,
        reward: @escaping @Sendable (_ prompt: String, _ index: Int) -> Double = { _, index in [0, 0.5, 1][index % 3] }
    ) {
        self.crashAfterRequests = crashAfterRequests
        self.probeFails = probeFails
        self.competes = competes
        self.reward = reward
    }

    func generate(prompts: [(id: String, prompt: String)], parameters p: SamplingParameters) async throws -> GenerationResult {
        if let limit = crashAfterRequests, requests.count >= limit { throw Crash("generator crashed after \(limit) requests") }
        requests.append((prompts.map(\.id), p.n, p.seed, p.temperature))
        let samples = prompts.flatMap { prompt in
            (0..<p.n).map { i in
                GeneratedSample(
                    id: prompt.id, sample: i, completion: "reward=\(reward(prompt.id, i)) seed=\(p.seed) \(prompt.id)#\(i)", promptTokens: 2,
                    completionTokens: 4, finishReason: "eos")
            }
        }
        return GenerationResult(samples: samples, tokens: 4 * samples.count, seconds: 0.01, tokensPerSecond: 400 * Double(samples.count))
    }

    func adapterSaved(_ path: String) async throws -> [String: JSONValue] {
        adapters.append(path)
        if probeFails { throw GeneratorError("adapter probe failed: the server's greedy output differs from the worker's") }
        return ["adapter_probe": .object(["passed": .bool(true), "model": .string("adapter-\(adapters.count)")])]
    }

    func competesForCores(withJobs jobs: Int) async -> Bool { competes }

    var sampledPrompts: [String] { requests.flatMap(\.prompts) }
}

actor FakeTrainer: Trainer {
    var crashes: Bool
    private(set) var loads: [(model: String, adapter: String?)] = []
    private(set) var trainings: [(examples: [(prompt: String, completion: String)], learningRate: Double, seed: Int, saveTo: String?)] = []

    init(crashes: Bool = false) { self.crashes = crashes }

    func prepare(model: String, adapter: String?, dtype: String, device: String, threads: Int?, log: @escaping @Sendable (String) -> Void) async throws {
        loads.append((model, adapter))
    }

    func train(_ examples: [(prompt: String, completion: String)], _ p: TrainingParameters, saveTo: String?, progress: Worker.Progress?) async throws -> TrainingResult {
        if crashes { throw Crash("trainer crashed") }
        trainings.append((examples, p.learningRate, p.seed, saveTo))
        progress?(.object(["step": .int(1), "steps": .int(2), "loss": .double(1.5)]))
        let steps = [TrainingStep(step: 1, loss: 1.5, gradNorm: 0.9, lr: p.learningRate, tokens: 10, tokensPerSecond: 100),
                     TrainingStep(step: 2, loss: 1.25, gradNorm: 0.8, lr: p.learningRate, tokens: 10, tokensPerSecond: 100)]
        return TrainingResult(steps: steps, tokens: 20, seconds: 0.2, tokensPerSecond: 100, saved: saveTo)
    }
}

/// Verdicts from the reward written in each completion; counts every sample it judges.
final class FakeVerifier: SampleVerifying, @unchecked Sendable {
    private let lock = NSLock()
    private var judged: [String] = []
    /// Verdicts handed over before the next one crashes; nil: never.
    private var crashAfter: Int?

    init(crashAfter: Int? = nil) { self.crashAfter = crashAfter }

    var verified: [String] { lock.withLock { judged } }

    func verify(_ samples: [Sample], jobs: Int, verified: @escaping @Sendable (Int, Verdict) throws -> Void) async throws {
        for (index, sample) in samples.enumerated() {
            let completion = sample.record["completion"]?.stringValue ?? ""
            try lock.withLock {
                if let limit = crashAfter, judged.count >= limit { throw Crash("verifier crashed after \(limit) verdicts") }
                judged.append(completion)
            }
            let reward = fakeReward(completion)
            try verified(index, Verdict(reward: reward, outcome: reward >= 1 ? .passed : reward >= 0.5 ? .compiled : .syntaxError))
        }
    }
}

/// A fresh run folder under the temporary directory.
func freshRunFolder(_ name: String) -> String {
    let path = FileManager.default.temporaryDirectory.path + "/hf-fake-\(name)-\(UUID().uuidString)"
    try? FileManager.default.removeItem(atPath: path)
    return path
}

/// Settings of a small run; `change` adjusts them.
func fakeConfiguration(_ change: (inout RAFTConfiguration) -> Void = { _ in }) -> RAFTConfiguration {
    var c = RAFTConfiguration()
    c.model = "fake"
    c.cycles = 2
    c.samplesPerPrompt = 16
    c.seed = 7
    c.rewardThreshold = 0.5
    change(&c)
    return c
}

/// Runs the loop over `folder` with the given fakes; the log lines come back too.
@discardableResult
func runFake(
    _ folder: String, _ c: RAFTConfiguration, tasks: [BenchmarkTask], generator: FakeGenerator = FakeGenerator(), trainer: FakeTrainer = FakeTrainer(),
    verifier: FakeVerifier = FakeVerifier(), afterCycle: @Sendable @escaping (Int) async throws -> Void = { _ in }
) async throws -> (records: [RunStore.CycleRecord], store: RunStore) {
    let store = try RunStore(folder: folder)
    let loop = RAFTLoop(configuration: c, store: store, tasks: tasks, generator: generator, trainer: trainer, verifier: verifier, jobs: 2) { _ in }
    return (try await loop.run(afterCycle: afterCycle), store)
}

/// What a run stored, without wall-clock measurements: every sample (with reward, outcome and
/// kept flag) and each cycle's phase, adapter and metrics.
func storedState(_ folder: String) throws -> String {
    let store = try RunStore(folder: folder)
    let path = folder + "/state-export.jsonl"
    _ = try store.exportSamples(to: path)
    var text = try String(contentsOfFile: path, encoding: .utf8)
    try FileManager.default.removeItem(atPath: path)
    for record in try store.cycles() {
        var m = record.metrics
        m.generateTokensPerSecond = nil
        m.verifySamplesPerSecond = nil
        m.seconds = nil
        text += "cycle \(record.cycle) \(record.phase) \((record.adapter ?? "-").replacingOccurrences(of: folder, with: "RUN")) "
            + JSONValue.object(m.json).serialized + "\n"
    }
    return text
}
