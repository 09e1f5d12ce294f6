internal import Foundation

/// What a RAFT run does next: a pure function of the run's stored phases and the facts its store
/// holds about the cycle in progress. `RAFTLoop` performs each action (the effects: the model, the
/// verifier, the store) and asks again, so a run resumed after a crash, from any stored phase,
/// takes exactly the steps still missing.
///
/// A cycle's stored phase says what is complete for its current samples:
/// `generate` sampling goes on; `verify` sampling is complete; `filter` every sample is verified;
/// `train` the kept samples are chosen; `done` the adapter is saved. New samples (a prompt added
/// on resume) reopen the cycle at `generate`, new verdicts at `verify`, so what follows is redone.
public struct RAFTStateMachine: Sendable {
    public let configuration: RAFTConfiguration
    /// The run's prompt ids, in run order (their position seeds each generate request).
    public let prompts: [String]
    /// Samples per generate request: wide batches sample several times faster per token than
    /// narrow ones (CPU: 141 vs 95 tokens/s at 128 vs 32 rows on a 135M model). Each request's
    /// samples are stored in one transaction, so a kill loses at most one request's work.
    public let rowsPerRequest: Int

    public init(configuration: RAFTConfiguration, prompts: [String], rowsPerRequest: Int = 128) {
        self.configuration = configuration
        self.prompts = prompts
        self.rowsPerRequest = rowsPerRequest
    }

    /// One action of the loop.
    public enum Action: Equatable, Sendable {
        /// Record that `cycle` is now at `phase` (starting it, reopening it, or verification complete).
        case enter(cycle: Int, RunStore.Phase)
        /// Sample one generate request's prompts and store their samples.
        case generate(cycle: Int, GenerationChunk)
        /// Verify the cycle's stored samples that have no verdict yet (of this run's prompts).
        case verify(cycle: Int)
        /// Sampling is complete: store its summary and move the cycle to `verify`.
        case finishSampling(cycle: Int, SamplingSummary)
        /// Choose the samples to train on; moves the cycle to `train`.
        case filter(cycle: Int)
        /// Fine-tune on the kept samples; moves the cycle to `done`.
        case train(cycle: Int)
        /// Hand a finished cycle to the caller (held-out evaluation, trackers), once per process.
        case evaluate(cycle: Int)
        /// Every cycle is done and evaluated.
        case done
    }

    /// The prompts of one generate request.
    public struct GenerationChunk: Equatable, Sendable {
        /// Prompt ids, in run order.
        public var prompts: [String]
        /// Samples per prompt (one request asks the same n of every prompt).
        public var n: Int
        /// A seed per cycle and first prompt: a resumed cycle samples as the first try would have.
        public var seed: Int
        /// The sampling round (0, then one per dynamic-sampling refill).
        public var round: Int
        /// Prompts of this round still to sample, this request's included.
        public var remaining: Int
        /// Set on a refill round's first request: (prompts with signal, prompts sampled) before it.
        public var refill: Refill?

        public struct Refill: Equatable, Sendable {
            public var withSignal: Int
            public var sampled: Int
            public var added: Int
        }
    }

    /// What the prompt policy did in a cycle, stored in its metrics.
    public struct SamplingSummary: Equatable, Sendable {
        public var pool: Int
        public var excluded: [String]
        public var sampled: Int
        public var withSignal: Int
        public var rounds: Int
    }

    /// What the store holds about a run, as the machine needs it.
    public struct Facts: Sendable {
        /// The number of cycles the run is configured for.
        public var cycles: Int
        /// Each started cycle's stored phase.
        public var phases: [Int: RunStore.Phase]
        /// Cycles already handed to `.evaluate` by this process.
        public var evaluated: Set<Int>
        /// The first cycle that is not done; nil when every cycle is.
        public var current: CycleFacts?

        public init(cycles: Int, phases: [Int: RunStore.Phase], evaluated: Set<Int> = [], current: CycleFacts? = nil) {
            self.cycles = cycles
            self.phases = phases
            self.evaluated = evaluated
            self.current = current
        }

        /// The cycle `RAFTLoop` gathers `current` for: the first one not done.
        public static func unfinished(cycles: Int, phases: [Int: RunStore.Phase]) -> Int? {
            (0..<max(cycles, 0)).first { phases[$0] != .done }
        }
    }

    /// The samples of the cycle in progress.
    public struct CycleFacts: Sendable {
        public var cycle: Int
        /// Prompts whose samples are stored (a request's samples land together).
        public var sampled: Set<String>
        /// This run's prompts with samples that have no verdict yet.
        public var unverified: Set<String>
        /// This cycle's samples per prompt, as the prompt policy sees them (used once all are verified).
        public var results: [String: PromptPolicy.Past]
        /// Earlier cycles' samples per prompt, within the pass-rate window.
        public var history: [String: [PromptPolicy.Past]]
        /// Prompts this process already asked the generator for in this cycle: one that came back
        /// without samples is not asked again until the next run.
        public var requested: Set<String>

        public init(
            cycle: Int, sampled: Set<String> = [], unverified: Set<String> = [], results: [String: PromptPolicy.Past] = [:],
            history: [String: [PromptPolicy.Past]] = [:], requested: Set<String> = []
        ) {
            self.cycle = cycle
            self.sampled = sampled
            self.unverified = unverified
            self.results = results
            self.history = history
            self.requested = requested
        }
    }

    /// The next action.
    public func next(_ facts: Facts) -> Action {
        for cycle in 0..<max(facts.cycles, 0) {
            guard let phase = facts.phases[cycle] else {
                return .enter(cycle: cycle, .generate)
            }
            if phase == .done {
                if !facts.evaluated.contains(cycle) { return .evaluate(cycle: cycle) }
                continue
            }
            guard let current = facts.current, current.cycle == cycle else {
                preconditionFailure("RAFTStateMachine.next: facts of cycle \(cycle) were not gathered")
            }
            return next(phase, current)
        }
        return .done
    }

    private func next(_ phase: RunStore.Phase, _ f: CycleFacts) -> Action {
        let cycle = f.cycle
        switch sampling(f) {
        case .generate(let chunk):
            return phase == .generate ? .generate(cycle: cycle, chunk) : .enter(cycle: cycle, .generate)
        case .verify:
            // Verdicts the policy waits for; they reopen a cycle that had moved on.
            return phase == .generate || phase == .verify ? .verify(cycle: cycle) : .enter(cycle: cycle, .verify)
        case .complete(let summary):
            switch phase {
            case .generate: return .finishSampling(cycle: cycle, summary)
            case .verify:
                return f.unverified.isEmpty ? .enter(cycle: cycle, .filter) : .verify(cycle: cycle)
            case .filter, .train:
                // Samples without a verdict here came back with their prompt on resume: verify, filter again.
                if !f.unverified.isEmpty { return .enter(cycle: cycle, .verify) }
                return phase == .filter ? .filter(cycle: cycle) : .train(cycle: cycle)
            case .done: return .done  // not reached: done cycles are handled above
            }
        }
    }

    /// Where sampling stands: the next request, verdicts to wait for, or complete.
    public enum SamplingStep: Equatable, Sendable {
        case generate(GenerationChunk)
        case verify
        case complete(SamplingSummary)
    }

    /// Replays the prompt policy over the stored samples: the pool (pass-rate window), its order,
    /// the per-prompt budgets and, with dynamic sampling, the refill rounds. Every choice depends
    /// only on stored samples, so a resumed cycle makes the same choices as the first try.
    public func sampling(_ f: CycleFacts) -> SamplingStep {
        let c = configuration
        let (pool, excluded) = PromptPolicy.pool(prompts, history: f.history, cycle: f.cycle, c)
        let order = PromptPolicy.order(pool, cycle: f.cycle, c)
        let target = min(c.promptsPerCycle ?? order.count, order.count)
        var chosen = Array(order.prefix(target))
        var rounds = 0, withSignal = 0
        var refill: GenerationChunk.Refill?
        while true {
            let missing = chosen.filter { !f.sampled.contains($0) && !f.requested.contains($0) }
            if var chunk = firstChunk(missing, cycle: f.cycle, history: f.history) {
                chunk.round = rounds
                // The refill note belongs to the round's first request only.
                if let r = refill, missing.count == r.added { chunk.refill = r }
                return .generate(chunk)
            }
            // Without a policy that reads verdicts, verification waits for the verify phase.
            guard c.dynamicSampling || c.signalSamplesPerPrompt != nil || c.promptsPerCycle != nil else { break }
            if !f.unverified.isEmpty { return .verify }
            withSignal = chosen.filter { f.results[$0]?.signal == true }.count
            guard c.dynamicSampling, rounds < c.dynamicSamplingRounds else { break }
            let more = PromptPolicy.refill(order: order, chosen: chosen, withSignal: withSignal, target: target)
            if more.isEmpty { break }
            refill = .init(withSignal: withSignal, sampled: chosen.count, added: more.count)
            rounds += 1
            chosen += more
        }
        return .complete(SamplingSummary(pool: pool.count, excluded: excluded, sampled: chosen.count, withSignal: withSignal, rounds: rounds + 1))
    }

    /// The first generate request over `missing`: prompts grouped by their budget (one request
    /// asks the same n of every prompt), each group cut into requests of `rowsPerRequest` rows.
    private func firstChunk(_ missing: [String], cycle: Int, history: [String: [PromptPolicy.Past]]) -> GenerationChunk? {
        guard let first = missing.first else { return nil }
        let n = PromptPolicy.budget(first, history: history, configuration)
        let group = missing.filter { PromptPolicy.budget($0, history: history, configuration) == n }
        let perRequest = max(1, rowsPerRequest / max(1, n))
        let seed = configuration.seed + cycle * 100_003 + (prompts.firstIndex(of: first) ?? 0)
        return GenerationChunk(prompts: Array(group.prefix(perRequest)), n: n, seed: seed, round: 0, remaining: missing.count)
    }
}
