internal import Foundation
internal import HaloForgeCore
public import HaloForgeData
public import HaloForgeEngine
public import HaloForgeVerify

/// The RAFT cycle: generate n samples per prompt → verify each → filter per prompt →
/// fine-tune on what was kept → next cycle. Every step is written to the run store as it
/// happens, so running the same loop on the same run folder continues where it stopped,
/// without losing or repeating a verified sample.
public final class RAFTLoop: Sendable {
    public let configuration: RAFTConfiguration
    public let store: RunStore
    public let engine: Engine
    /// Samples each cycle: the engine itself, or a server (training stays on the engine).
    public let generator: any Generator
    public let verifier: Verifier
    public let tasks: [BenchmarkTask]
    public let jobs: Int
    private let log: @Sendable (String) -> Void
    /// Prompts sent to the worker per generate request: each request's samples are stored
    /// in one transaction, so a kill loses at most one chunk of generation.
    /// Samples per generate request: wide batches sample several times faster per token than
    /// narrow ones (CPU: 141 vs 95 tokens/s at 128 vs 32 rows on a 135M model).
    private let rowsPerRequest = 128

    public init(
        configuration: RAFTConfiguration, store: RunStore, engine: Engine, verifier: Verifier, tasks: [BenchmarkTask], jobs: Int,
        generator: (any Generator)? = nil, log: @escaping @Sendable (String) -> Void
    ) {
        self.generator = generator ?? engine
        self.configuration = configuration
        self.store = store
        self.engine = engine
        self.verifier = verifier
        self.tasks = tasks
        self.jobs = jobs
        self.log = log
    }

    /// Runs (or resumes) every cycle; returns one metrics record per cycle. `ready` runs once
    /// the model (and the latest adapter) is loaded, `afterCycle` after each finished cycle
    /// (also for cycles finished before a resume, so evaluations can catch up).
    public func run(
        ready: @Sendable () async throws -> Void = {}, afterCycle: @Sendable (Int) async throws -> Void = { _ in }
    ) async throws -> [RunStore.CycleRecord] {
        try store.storePrompts(tasks.map { task in
            (id: task.id, split: "train", prompt: task.prompt, task: JSONValue.object([
                "language": .string(task.language.description), "test": task.test.map(JSONValue.string) ?? .null,
                "entry_point": task.entryPoint.map(JSONValue.string) ?? .null, "completes_prompt": .bool(task.completesPrompt),
                "test_framework": task.testFramework.map { .string($0.rawValue) } ?? .null,
                "io": .array(task.io.map { .object(["stdin": .string($0.stdin), "stdout": .string($0.stdout)]) }),
            ]))
        })
        let done = try store.cycles().filter { $0.phase == .done }
        let modelPath = try await ModelCache.resolve(configuration.model, engine: engine, log: log)
        let adapter = done.last(where: { $0.adapter != nil })?.adapter ?? configuration.adapter
        try await engine.load(model: modelPath, adapter: adapter, dtype: configuration.dtype, device: configuration.device, threads: configuration.threads)
        if let adapter { try await generator.adapterSaved(adapter) }
        if !done.isEmpty { log("resuming after cycle \(done.count) of \(configuration.cycles)" + (adapter.map { " with \($0)" } ?? "")) }
        try await ready()

        for cycle in 0..<configuration.cycles {
            let record = try store.cycles().first { $0.cycle == cycle }
            if record?.phase == .done {
                try await afterCycle(cycle)
                continue
            }
            if record == nil { try store.setPhase(cycle: cycle, .generate) }
            let started = Date()
            try await sample(cycle: cycle)
            try store.setPhase(cycle: cycle, .verify)
            try await verify(cycle: cycle)  // what a kill left unverified
            try store.setPhase(cycle: cycle, .filter)
            let kept = try filter(cycle: cycle)
            try store.setPhase(cycle: cycle, .train)
            try await train(cycle: cycle, kept: kept)
            let metrics = try store.cycles().first { $0.cycle == cycle }?.metrics ?? [:]
            try store.addMetrics(cycle: cycle, ["seconds": .double(Date().timeIntervalSince(started))])
            log(summaryLine(cycle: cycle, metrics))
            try await afterCycle(cycle)
        }
        _ = try store.exportSamples(to: store.folder + "/samples.jsonl")
        return try store.cycles()
    }

    /// Whether compilers can run beside sampling without slowing it: yes when the model runs
    /// elsewhere (a server, a GPU) or cores are left over. On a CPU whose cores torch's
    /// threads fill, the two fight (measured on 2 cores: sampling 138 → 67 tokens/s,
    /// verification 20 → 1.5 samples/s), so there the phases take turns.
    private func verifyBesideGeneration() async -> Bool {
        guard let local = generator as? Engine, local === engine else { return true }
        guard let hello = await engine.worker.hello else { return false }
        if hello.device != "cpu" { return true }
        let threads = await engine.threads ?? hello.threads
        return ProcessInfo.processInfo.activeProcessorCount >= threads + max(1, jobs)
    }

    /// Samples and verifies the cycle's prompts as the prompt policy chooses them: the pool
    /// (pass-rate window), its order, the per-prompt budgets, and with dynamic sampling further
    /// rounds that replace prompts without signal. Every choice depends only on stored samples.
    private func sample(cycle: Int) async throws {
        let c = configuration
        var history: [String: [PromptPolicy.Past]] = [:]
        if c.curriculumStrategy != "none" || c.signalSamplesPerPrompt != nil {
            for earlier in max(0, cycle - max(c.passRateWindow, 1))..<cycle {
                for (id, past) in PromptPolicy.summarize(cycle: earlier, try candidates(cycle: earlier), c) { history[id, default: []].append(past) }
            }
        }
        let (pool, excluded) = PromptPolicy.pool(tasks.map(\.id), history: history, cycle: cycle, c)
        let order = PromptPolicy.order(pool, cycle: cycle, c)
        let target = min(c.promptsPerCycle ?? order.count, order.count)
        var chosen = Array(order.prefix(target))
        var rounds = 0, withSignal = 0
        let byID = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0) })
        while true {
            let prompts = chosen.compactMap { byID[$0] }
            let budgets = Dictionary(uniqueKeysWithValues: chosen.map { ($0, PromptPolicy.budget($0, history: history, c)) })
            if await verifyBesideGeneration() {
                try await generateAndVerify(cycle: cycle, prompts: prompts, budgets: budgets)
            } else {
                try await generate(cycle: cycle, prompts: prompts, budgets: budgets) { _ in }
            }
            guard c.dynamicSampling || c.signalSamplesPerPrompt != nil || c.promptsPerCycle != nil else { break }
            try await verify(cycle: cycle)
            let now = PromptPolicy.summarize(cycle: cycle, try candidates(cycle: cycle), c)
            withSignal = chosen.filter { now[$0]?.signal == true }.count
            guard c.dynamicSampling, rounds < c.dynamicSamplingRounds else { break }
            let more = PromptPolicy.refill(order: order, chosen: chosen, withSignal: withSignal, target: target)
            if more.isEmpty { break }
            rounds += 1
            log("cycle \(cycle + 1) dynamic sampling: \(withSignal) of \(chosen.count) prompts with signal, sampling \(more.count) more")
            chosen += more
        }
        try store.addMetrics(cycle: cycle, [
            "pool": .int(pool.count), "pool_excluded": .array(excluded.map(JSONValue.string)), "prompts_sampled": .int(chosen.count),
            "prompts_with_signal": .int(withSignal), "sampling_rounds": .int(rounds + 1),
        ])
    }

    /// A cycle's verified samples as the filter sees them.
    private func candidates(cycle: Int) throws -> [Candidate] {
        let tested = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0.hasTests) })
        return try store.samples(cycle: cycle).map {
            Candidate(promptID: $0.promptID, index: $0.index, completion: $0.completion, reward: $0.reward ?? 0, tested: tested[$0.promptID] ?? true)
        }
    }

    /// Verifies each generated chunk while the model samples the next: on a GPU box the
    /// compilers and the model use different hardware, on a CPU they share it.
    private func generateAndVerify(cycle: Int, prompts: [BenchmarkTask], budgets: [String: Int]) async throws {
        let (chunks, feed) = AsyncStream.makeStream(of: Set<String>.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await prompts in chunks {
                    try await self.verify(cycle: cycle, prompts: prompts, label: "verify (beside generation)")
                }
            }
            do {
                try await generate(cycle: cycle, prompts: prompts, budgets: budgets) { feed.yield($0) }
                feed.finish()
                try await group.waitForAll()
            } catch {
                feed.finish()
                group.cancelAll()
                throw error
            }
        }
    }

    private func generate(cycle: Int, prompts: [BenchmarkTask], budgets: [String: Int], stored: (Set<String>) -> Void) async throws {
        let have = try store.promptsWithSamples(cycle: cycle)
        let missing = prompts.filter { !have.contains($0.id) }
        guard !missing.isEmpty else { return }
        var p = SamplingParameters()
        p.temperature = Schedule.temperature(configuration, cycle: cycle)
        p.topP = configuration.topP
        p.maxNewTokens = configuration.maxNewTokens
        p.batchSize = configuration.generationBatchSize
        let started = Date()
        var tokens = 0, done = 0
        // One request asks for the same n of every prompt: prompts are grouped by their budget.
        var groups: [(n: Int, tasks: [BenchmarkTask])] = []
        for task in missing {
            let n = budgets[task.id] ?? configuration.samplesPerPrompt
            if let g = groups.firstIndex(where: { $0.n == n }) { groups[g].tasks.append(task) } else { groups.append((n, [task])) }
        }
        for group in groups {
            p.n = group.n
            let perRequest = max(1, rowsPerRequest / max(1, group.n))
            for start in stride(from: 0, to: group.tasks.count, by: perRequest) {
                let chunk = Array(group.tasks[start..<min(start + perRequest, group.tasks.count)])
                // A seed per cycle and chunk start: a resumed cycle samples as the first try would have.
                p.seed = configuration.seed + cycle * 100_003 + (tasks.firstIndex { $0.id == chunk[0].id } ?? start)
                let result = try await generator.generate(prompts: chunk.map { (id: $0.id, prompt: $0.prompt) }, parameters: p)
                try store.storeSamples(cycle: cycle, result.samples.map {
                    (promptID: $0.id, index: $0.sample, completion: $0.completion, tokens: $0.completionTokens, finishReason: $0.finishReason)
                })
                stored(Set(chunk.map(\.id)))
                tokens += result.tokens
                done += chunk.count
                let elapsed = Date().timeIntervalSince(started)
                log(String(
                    format: "cycle %d generate: %d/%d prompts, %.0f tokens/s, %@ left", cycle + 1, done, missing.count,
                    Double(tokens) / max(elapsed, 1e-6), TimeLeft.estimate(done: done, total: missing.count, elapsed: elapsed)))
            }
        }
        try store.addMetrics(cycle: cycle, ["generate_tokens_per_second": .double(Double(tokens) / max(Date().timeIntervalSince(started), 1e-6))])
    }

    /// Verifies the cycle's unverified samples (of `prompts` only, when given).
    private func verify(cycle: Int, prompts: Set<String>? = nil, label: String = "verify") async throws {
        let pending = try store.samples(cycle: cycle, unverifiedOnly: true).filter { prompts?.contains($0.promptID) ?? true }
        guard !pending.isEmpty else { return }
        let byID = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0) })
        let started = Date()
        let store = store
        let verifier = verifier
        // Samples of prompts this run no longer has (settings changed on resume) wait unverified.
        let work = pending.compactMap { sample in byID[sample.promptID].map { (sample, $0) } }
        if work.count < pending.count { log("cycle \(cycle + 1) \(label): \(pending.count - work.count) samples belong to prompts not in this run; left unverified") }
        _ = try await verifier.verifyAll(work.map { $0.1.sample(completion: $0.0.completion, index: $0.0.index) }, jobs: jobs) { p in
            try store.storeVerdict(sampleID: work[p.index].0.id, p.verdict)
            if p.done % 16 == 0 || p.done == p.total {
                let elapsed = Date().timeIntervalSince(started)
                log(String(
                    format: "cycle %d \(label): %d/%d samples, %.1f samples/s, %@ left", cycle + 1, p.done, p.total,
                    Double(p.done) / max(elapsed, 1e-6), TimeLeft.estimate(done: p.done, total: p.total, elapsed: elapsed)))
            }
        }
        // Beside generation this is the last chunk's rate: the dashboard plots it per cycle.
        try store.addMetrics(cycle: cycle, ["verify_samples_per_second": .double(Double(work.count) / max(Date().timeIntervalSince(started), 1e-6))])
    }

    private func filter(cycle: Int) throws -> [(prompt: String, completion: String)] {
        let samples = try store.samples(cycle: cycle)
        let candidates = try candidates(cycle: cycle)
        let (kept, report) = SampleFilter.select(candidates, configuration)
        let ids = Dictionary(uniqueKeysWithValues: samples.map { ("\($0.promptID)#\($0.index)", $0.id) })
        try store.markKept(cycle: cycle, sampleIDs: kept.compactMap { ids["\($0.promptID)#\($0.index)"] })
        let rewards = samples.compactMap(\.reward)
        let prompts = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0.prompt) })
        let byPrompt = Dictionary(grouping: samples, by: \.promptID)
        try store.addMetrics(cycle: cycle, [
            "samples": .int(samples.count), "kept": .int(kept.count),
            "mean_reward": .double(rewards.isEmpty ? 0 : rewards.reduce(0, +) / Double(rewards.count)),
            "compile_rate": .double(rewards.isEmpty ? 0 : Double(rewards.filter { $0 >= 0.5 }.count) / Double(rewards.count)),
            "pass_rate": .double(rewards.isEmpty ? 0 : Double(rewards.filter { $0 >= 1.0 }.count) / Double(rewards.count)),
            "prompts_solved": .int(byPrompt.values.filter { $0.contains { ($0.reward ?? 0) >= 1.0 } }.count),
            "temperature": .double(Schedule.temperature(configuration, cycle: cycle)),
            "filter_note": report.note.map(JSONValue.string) ?? .null,
        ])
        return kept.map { (prompt: prompts[$0.promptID] ?? "", completion: $0.completion) }
    }

    private func train(cycle: Int, kept: [(prompt: String, completion: String)]) async throws {
        guard !kept.isEmpty else {
            let previous = try store.cycles().last { $0.cycle < cycle && $0.adapter != nil }?.adapter
            try store.finishTraining(cycle: cycle, adapter: previous, steps: [], metrics: ["trained": .bool(false)])
            log("cycle \(cycle + 1) train: nothing kept, no training")
            return
        }
        var p = TrainingParameters()
        p.mode = configuration.trainMode
        p.rank = configuration.loraRank
        p.alpha = configuration.loraAlpha ?? configuration.loraRank * 2
        p.dropout = configuration.loraDropout
        p.targetModules = configuration.loraTargetModules
        p.learningRate = Schedule.learningRate(configuration, cycle: cycle)
        p.steps = configuration.stepsPerCycle
        p.epochs = configuration.epochsPerCycle
        p.gradAccum = configuration.gradAccum
        p.warmupSteps = configuration.warmupSteps
        p.batchTokens = configuration.batchTokens
        p.seed = configuration.seed + cycle
        let adapter = store.folder + "/adapters/cycle-\(cycle + 1)"
        try FileManager.default.createDirectory(atPath: store.folder + "/adapters", withIntermediateDirectories: true)
        let log = log, started = Date()
        let result = try await engine.train(kept, p, saveTo: adapter) { data in
            guard let step = data["step"]?.intValue, let steps = data["steps"]?.intValue else { return }
            log(String(
                format: "cycle %d train: step %d/%d, loss %.4f, %.0f tokens/s, %@ left", cycle + 1, step, steps,
                data["loss"]?.doubleValue ?? .nan, data["tokens_per_second"]?.doubleValue ?? 0,
                TimeLeft.estimate(done: step, total: steps, elapsed: Date().timeIntervalSince(started))))
        }
        let served = try await generator.adapterSaved(result.saved ?? adapter)  // vLLM: the adapter probe, stored below
        let last = result.steps.last
        try store.finishTraining(
            cycle: cycle, adapter: result.saved ?? adapter,
            steps: result.steps.map { (step: $0.step, loss: $0.loss, gradNorm: $0.gradNorm, lr: $0.lr, tokens: $0.tokens, tokensPerSecond: $0.tokensPerSecond) },
            metrics: [
                "trained": .bool(true), "train_steps": .int(result.steps.count), "loss": last.map { .double($0.loss) } ?? .null,
                "grad_norm": last.map { .double($0.gradNorm) } ?? .null, "learning_rate": .double(p.learningRate),
                "train_tokens_per_second": .double(result.tokensPerSecond),
            ].merging(served) { a, _ in a })
    }

    private func summaryLine(cycle: Int, _ m: [String: JSONValue]) -> String {
        func number(_ key: String) -> Double { m[key]?.doubleValue ?? 0 }
        return String(
            format: "cycle %d/%d: compile %.1f%%, pass %.1f%%, mean reward %.3f, kept %d, loss %.4f",
            cycle + 1, configuration.cycles, 100 * number("compile_rate"), 100 * number("pass_rate"), number("mean_reward"),
            Int(number("kept")), number("loss"))
    }
}
