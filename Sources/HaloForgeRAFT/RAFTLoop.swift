internal import Foundation
internal import HaloForgeCore
public import HaloForgeData
public import HaloForgeEngine
public import HaloForgeVerify

/// The RAFT cycle: generate n samples per prompt → verify each → filter per prompt →
/// fine-tune on what was kept → next cycle. `RAFTStateMachine` decides each step from what the
/// run store holds; this type performs it through its seams (a `Generator`, a `Trainer`, a
/// `SampleVerifying`) and writes its result to the store in a transaction, so running the same
/// loop on the same run folder continues where it stopped, without losing or repeating a
/// verified sample.
public final class RAFTLoop: Sendable {
    public let configuration: RAFTConfiguration
    public let store: RunStore
    /// Samples each cycle: the engine itself, or a server (training stays on the engine).
    public let generator: any Generator
    public let trainer: any Trainer
    public let verifier: any SampleVerifying
    public let tasks: [BenchmarkTask]
    public let jobs: Int
    public let machine: RAFTStateMachine
    private let byID: [String: BenchmarkTask]
    private let log: @Sendable (String) -> Void

    public init(
        configuration: RAFTConfiguration, store: RunStore, tasks: [BenchmarkTask], generator: any Generator, trainer: any Trainer,
        verifier: any SampleVerifying, jobs: Int, log: @escaping @Sendable (String) -> Void
    ) {
        self.configuration = configuration
        self.store = store
        self.tasks = tasks
        self.generator = generator
        self.trainer = trainer
        self.verifier = verifier
        self.jobs = jobs
        self.log = log
        machine = RAFTStateMachine(configuration: configuration, prompts: tasks.map(\.id))
        byID = Dictionary(tasks.map { ($0.id, $0) }) { first, _ in first }
    }

    /// The engine trains (and samples, unless `generator` is given); `verifier` verifies.
    public convenience init(
        configuration: RAFTConfiguration, store: RunStore, engine: Engine, verifier: Verifier, tasks: [BenchmarkTask], jobs: Int,
        generator: (any Generator)? = nil, log: @escaping @Sendable (String) -> Void
    ) {
        self.init(
            configuration: configuration, store: store, tasks: tasks, generator: generator ?? engine, trainer: engine, verifier: verifier,
            jobs: jobs, log: log)
    }

    /// What this process did so far; the rest of the run's state is in the store.
    private struct ProcessProgress {
        var evaluated: Set<Int> = []
        var requested: [Int: Set<String>] = [:]
        var started: [Int: Date] = [:]
        /// Finished cycles' samples per prompt (they no longer change).
        var summaries: [Int: [String: PromptPolicy.Past]] = [:]
        var clock: GenerationClock?
        /// Verification of stored requests beside the sampling of the next: each waits for the one before.
        var lane: Task<Void, any Error>?
    }

    /// One sampling round's generation: its speed is stored when the round ends.
    private struct GenerationClock {
        var cycle: Int, round: Int, started: Date, tokens = 0, done = 0, total: Int
    }

    /// Runs (or resumes) every cycle; returns one record per cycle. `ready` runs once the model
    /// (and the latest adapter) is loaded, `afterCycle` after each finished cycle (also for cycles
    /// finished before a resume, so evaluations can catch up).
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
        let adapter = done.last(where: { $0.adapter != nil })?.adapter ?? configuration.adapter
        try await trainer.prepare(
            model: configuration.model, adapter: adapter, dtype: configuration.dtype, device: configuration.device, threads: configuration.threads,
            log: log)
        if let adapter { try await generator.adapterSaved(adapter) }
        if !done.isEmpty { log("resuming after cycle \(done.count) of \(configuration.cycles)" + (adapter.map { " with \($0)" } ?? "")) }
        try await ready()
        // Whether compilers run beside sampling: yes when the model runs elsewhere (a server, a
        // GPU) or cores are left over; on a CPU that torch's threads fill the two take turns.
        let beside = !(await generator.competesForCores(withJobs: jobs))

        var progress = ProcessProgress()
        do {
            while true {
                let action = machine.next(try facts(&progress))
                if case .generate(let cycle, let chunk) = action {
                    try await generate(cycle: cycle, chunk, &progress)
                    if beside {
                        let previous = progress.lane, prompts = Set(chunk.prompts)
                        progress.lane = Task {
                            try await previous?.value
                            try await self.verify(cycle: cycle, prompts: prompts, label: "verify (beside generation)")
                        }
                    }
                    continue
                }
                try endGeneration(&progress)
                // Every other step decides on verdicts: the ones still being written come first.
                if let lane = progress.lane {
                    progress.lane = nil
                    try await lane.value
                    continue
                }
                if case .done = action { break }
                try await perform(action, &progress, afterCycle: afterCycle)
            }
        } catch {
            if let lane = progress.lane {
                lane.cancel()
                _ = try? await lane.value
            }
            throw error
        }
        _ = try store.exportSamples(to: store.folder + "/samples.jsonl")
        return try store.cycles()
    }

    private func perform(_ action: RAFTStateMachine.Action, _ progress: inout ProcessProgress, afterCycle: @Sendable (Int) async throws -> Void) async throws {
        switch action {
        case .enter(let cycle, let phase):
            if progress.started[cycle] == nil { progress.started[cycle] = Date() }
            if let stored = try store.phases()[cycle], let from = RunStore.Phase.allCases.firstIndex(of: stored),
               let to = RunStore.Phase.allCases.firstIndex(of: phase), to < from {
                log("cycle \(cycle + 1): back to \(phase.rawValue): the run's prompts changed since \(stored.rawValue) began")
            }
            try store.setPhase(cycle: cycle, phase)
        case .verify(let cycle):
            if progress.started[cycle] == nil { progress.started[cycle] = Date() }
            try await verify(cycle: cycle)
        case .finishSampling(let cycle, let s):
            var m = CycleMetrics()
            m.pool = s.pool
            m.poolExcluded = s.excluded
            m.promptsSampled = s.sampled
            m.promptsWithSignal = s.withSignal
            m.samplingRounds = s.rounds
            try store.finishSampling(cycle: cycle, metrics: m)
        case .filter(let cycle):
            if progress.started[cycle] == nil { progress.started[cycle] = Date() }
            try filter(cycle: cycle)
        case .train(let cycle):
            let started = progress.started[cycle] ?? Date()
            try await train(cycle: cycle)
            var m = CycleMetrics()
            m.seconds = Date().timeIntervalSince(started)
            try store.addMetrics(cycle: cycle, m)
            log(summaryLine(cycle: cycle, try store.cycles().first { $0.cycle == cycle }?.metrics ?? CycleMetrics()))
        case .evaluate(let cycle):
            try await afterCycle(cycle)
            progress.evaluated.insert(cycle)
        case .generate, .done:
            break  // handled by the caller
        }
    }

    // MARK: facts

    /// What the machine needs to know, read from the store.
    private func facts(_ progress: inout ProcessProgress) throws -> RAFTStateMachine.Facts {
        let phases = try store.phases()
        var facts = RAFTStateMachine.Facts(cycles: configuration.cycles, phases: phases, evaluated: progress.evaluated)
        guard let cycle = RAFTStateMachine.Facts.unfinished(cycles: configuration.cycles, phases: phases) else { return facts }
        let c = configuration
        var current = RAFTStateMachine.CycleFacts(
            cycle: cycle, sampled: try store.promptsWithSamples(cycle: cycle),
            // Samples of prompts this run no longer has (settings changed on resume) wait unverified.
            unverified: try store.promptsWithUnverifiedSamples(cycle: cycle).filter { byID[$0] != nil },
            requested: progress.requested[cycle] ?? [])
        if c.dynamicSampling || c.signalSamplesPerPrompt != nil || c.promptsPerCycle != nil {
            current.results = PromptPolicy.summarize(cycle: cycle, try outcomes(cycle: cycle), c)
        }
        if c.curriculumStrategy != "none" || c.signalSamplesPerPrompt != nil {
            for earlier in max(0, cycle - max(c.passRateWindow, 1))..<cycle {
                if progress.summaries[earlier] == nil {
                    progress.summaries[earlier] = PromptPolicy.summarize(cycle: earlier, try outcomes(cycle: earlier), c)
                }
                for (id, past) in progress.summaries[earlier] ?? [:] { current.history[id, default: []].append(past) }
            }
        }
        facts.current = current
        return facts
    }

    /// A cycle's samples as the prompt policy sees them (rewards only; unverified count as 0).
    private func outcomes(cycle: Int) throws -> [Candidate] {
        try store.rewards(cycle: cycle).map {
            Candidate(promptID: $0.promptID, index: $0.index, completion: "", reward: $0.reward ?? 0, tested: byID[$0.promptID]?.hasTests ?? true)
        }
    }

    /// A cycle's samples as the filter sees them.
    private func candidates(_ samples: [RunStore.StoredSample]) -> [Candidate] {
        samples.map {
            Candidate(promptID: $0.promptID, index: $0.index, completion: $0.completion, reward: $0.reward ?? 0, tested: byID[$0.promptID]?.hasTests ?? true)
        }
    }

    // MARK: effects

    private func generate(cycle: Int, _ chunk: RAFTStateMachine.GenerationChunk, _ progress: inout ProcessProgress) async throws {
        if progress.started[cycle] == nil { progress.started[cycle] = Date() }
        if let clock = progress.clock, clock.cycle != cycle || clock.round != chunk.round { try endGeneration(&progress) }
        if let r = chunk.refill {
            log("cycle \(cycle + 1) dynamic sampling: \(r.withSignal) of \(r.sampled) prompts with signal, sampling \(r.added) more")
        }
        var clock = progress.clock ?? GenerationClock(cycle: cycle, round: chunk.round, started: Date(), total: chunk.remaining)
        var p = SamplingParameters()
        p.temperature = Schedule.temperature(configuration, cycle: cycle)
        p.topP = configuration.topP
        p.maxNewTokens = configuration.maxNewTokens
        p.batchSize = configuration.generationBatchSize
        p.n = chunk.n
        p.seed = chunk.seed
        progress.requested[cycle, default: []].formUnion(chunk.prompts)
        let prompts = chunk.prompts.compactMap { byID[$0] }.map { (id: $0.id, prompt: $0.prompt) }
        let result = try await generator.generate(prompts: prompts, parameters: p)
        try store.storeSamples(cycle: cycle, result.samples.map {
            (promptID: $0.id, index: $0.sample, completion: $0.completion, tokens: $0.completionTokens, finishReason: $0.finishReason)
        })
        clock.tokens += result.tokens
        clock.done += chunk.prompts.count
        progress.clock = clock
        let elapsed = Date().timeIntervalSince(clock.started)
        log(String(
            format: "cycle %d generate: %d/%d prompts, %.0f tokens/s, %@ left", cycle + 1, clock.done, clock.total,
            Double(clock.tokens) / max(elapsed, 1e-6), TimeLeft.estimate(done: clock.done, total: clock.total, elapsed: elapsed)))
    }

    /// Stores the speed of the sampling round that just ended, if one did.
    private func endGeneration(_ progress: inout ProcessProgress) throws {
        guard let clock = progress.clock else { return }
        progress.clock = nil
        var m = CycleMetrics()
        m.generateTokensPerSecond = Double(clock.tokens) / max(Date().timeIntervalSince(clock.started), 1e-6)
        try store.addMetrics(cycle: clock.cycle, m)
    }

    /// Verifies the cycle's unverified samples (of `prompts` only, when given).
    private func verify(cycle: Int, prompts: Set<String>? = nil, label: String = "verify") async throws {
        let pending = try store.samples(cycle: cycle, unverifiedOnly: true).filter { prompts?.contains($0.promptID) ?? true }
        let work = pending.compactMap { sample in byID[sample.promptID].map { (sample, $0) } }
        if work.count < pending.count { log("cycle \(cycle + 1) \(label): \(pending.count - work.count) samples belong to prompts not in this run; left unverified") }
        guard !work.isEmpty else { return }
        let started = Date()
        let (store, log, tally) = (store, log, Tally())
        let ids = work.map(\.0.id)
        let samples = work.map { stored, task in task.sample(completion: stored.completion, index: stored.index) }
        try await verifier.verify(samples, jobs: jobs) { index, verdict in
            try store.storeVerdict(sampleID: ids[index], verdict)
            let finished = tally.add()
            if finished % 16 == 0 || finished == ids.count {
                let elapsed = Date().timeIntervalSince(started)
                log(String(
                    format: "cycle %d \(label): %d/%d samples, %.1f samples/s, %@ left", cycle + 1, finished, ids.count,
                    Double(finished) / max(elapsed, 1e-6), TimeLeft.estimate(done: finished, total: ids.count, elapsed: elapsed)))
            }
        }
        // Beside generation this is the last request's rate: the dashboard plots it per cycle.
        var m = CycleMetrics()
        m.verifySamplesPerSecond = Double(work.count) / max(Date().timeIntervalSince(started), 1e-6)
        try store.addMetrics(cycle: cycle, m)
    }

    private func filter(cycle: Int) throws {
        let samples = try store.samples(cycle: cycle)
        let (kept, report) = SampleFilter.select(candidates(samples), configuration)
        let ids = Dictionary(samples.map { ("\($0.promptID)#\($0.index)", $0.id) }) { first, _ in first }
        let rewards = samples.compactMap(\.reward)
        func share(_ reward: Double) -> Double { rewards.isEmpty ? 0 : Double(rewards.filter { $0 >= reward }.count) / Double(rewards.count) }
        var m = CycleMetrics()
        m.samples = samples.count
        m.kept = kept.count
        m.meanReward = rewards.isEmpty ? 0 : rewards.reduce(0, +) / Double(rewards.count)
        m.compileRate = share(0.5)
        m.passRate = share(1.0)
        m.promptsSolved = Dictionary(grouping: samples, by: \.promptID).values.filter { $0.contains { ($0.reward ?? 0) >= 1.0 } }.count
        m.temperature = Schedule.temperature(configuration, cycle: cycle)
        m.filterNote = report.note
        try store.finishFiltering(cycle: cycle, keptIDs: kept.compactMap { ids["\($0.promptID)#\($0.index)"] }, metrics: m)
    }

    private func train(cycle: Int) async throws {
        let samples = try store.samples(cycle: cycle)
        let keptKeys = Set(samples.filter(\.kept).map { "\($0.promptID)#\($0.index)" })
        // The order the filter chose them in, which the trainer's batches follow.
        let kept = SampleFilter.inTrainingOrder(candidates(samples)) { keptKeys.contains("\($0.promptID)#\($0.index)") }
        guard !kept.isEmpty else {
            let previous = try store.cycles().last { $0.cycle < cycle && $0.adapter != nil }?.adapter
            var m = CycleMetrics()
            m.trained = false
            try store.finishTraining(cycle: cycle, adapter: previous, steps: [], metrics: m)
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
        let examples = kept.map { (prompt: byID[$0.promptID]?.prompt ?? "", completion: $0.completion) }
        let result = try await trainer.train(examples, p, saveTo: adapter) { data in
            guard let step = data["step"]?.intValue, let steps = data["steps"]?.intValue else { return }
            log(String(
                format: "cycle %d train: step %d/%d, loss %.4f, %.0f tokens/s, %@ left", cycle + 1, step, steps,
                data["loss"]?.doubleValue ?? .nan, data["tokens_per_second"]?.doubleValue ?? 0,
                TimeLeft.estimate(done: step, total: steps, elapsed: Date().timeIntervalSince(started))))
        }
        // vLLM: the adapter probe. It throws on a mismatch, so the cycle is not recorded as done.
        let served = try await generator.adapterSaved(result.saved ?? adapter)
        var m = CycleMetrics(json: served)
        m.trained = true
        m.trainSteps = result.steps.count
        m.loss = result.steps.last?.loss
        m.gradNorm = result.steps.last?.gradNorm
        m.learningRate = p.learningRate
        m.trainTokensPerSecond = result.tokensPerSecond
        try store.finishTraining(
            cycle: cycle, adapter: result.saved ?? adapter,
            steps: result.steps.map { (step: $0.step, loss: $0.loss, gradNorm: $0.gradNorm, lr: $0.lr, tokens: $0.tokens, tokensPerSecond: $0.tokensPerSecond) },
            metrics: m)
    }

    private func summaryLine(cycle: Int, _ m: CycleMetrics) -> String {
        String(
            format: "cycle %d/%d: compile %.1f%%, pass %.1f%%, mean reward %.3f, kept %d, loss %.4f",
            cycle + 1, configuration.cycles, 100 * (m.compileRate ?? 0), 100 * (m.passRate ?? 0), m.meanReward ?? 0, m.kept ?? 0, m.loss ?? 0)
    }
}

/// A count shared with the verifier's callback.
private final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func add() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
}
