internal import Foundation

/// Which prompts a cycle samples, and how many samples each gets. Pure functions of the
/// configuration and the verified samples of earlier cycles, so a resumed run (which reads
/// those samples back from its store) makes exactly the same choices.
public enum PromptPolicy {
    /// One prompt's verified samples of one earlier cycle.
    public struct Past: Sendable, Equatable {
        public var cycle: Int
        public var samples: Int
        /// Samples at or above the prompt's keep bar.
        public var passed: Int
        /// Whether some samples reached the bar and some did not.
        public var signal: Bool

        public init(cycle: Int, samples: Int, passed: Int, signal: Bool) {
            self.cycle = cycle
            self.samples = samples
            self.passed = passed
            self.signal = signal
        }
    }

    /// A cycle's samples, summarized per prompt.
    public static func summarize(cycle: Int, _ candidates: [Candidate], _ c: RAFTConfiguration) -> [String: Past] {
        Dictionary(grouping: candidates, by: \.promptID).mapValues { samples in
            let bar = SampleFilter.bar(samples, c)
            return Past(
                cycle: cycle, samples: samples.count, passed: samples.filter { $0.reward >= bar }.count,
                signal: SampleFilter.hasSignal(samples, c))
        }
    }

    /// The prompts a cycle may sample: with `pass_rate_window`, those whose pass rate over the
    /// last `pass_rate_window` cycles lies in [low, high] or that have no samples there (a prompt
    /// that left comes back once its old samples leave the window). Never empty: when the window
    /// would exclude every prompt, all stay.
    public static func pool(_ ids: [String], history: [String: [Past]], cycle: Int, _ c: RAFTConfiguration) -> (pool: [String], excluded: [String]) {
        guard c.curriculumStrategy == "pass_rate_window" else { return (ids, []) }
        var pool: [String] = [], excluded: [String] = []
        for id in ids {
            let recent = (history[id] ?? []).filter { $0.cycle >= cycle - c.passRateWindow && $0.cycle < cycle }
            let n = recent.reduce(0) { $0 + $1.samples }
            let rate = n == 0 ? nil : Double(recent.reduce(0) { $0 + $1.passed }) / Double(n)
            if let rate, !(rate >= c.passRateLow && rate <= c.passRateHigh) { excluded.append(id) } else { pool.append(id) }
        }
        return pool.isEmpty ? (ids, []) : (pool, excluded)
    }

    /// The pool in the order the cycle draws from it: as given when every prompt is sampled,
    /// else a seeded shuffle per cycle so successive cycles see different prompts.
    public static func order(_ pool: [String], cycle: Int, _ c: RAFTConfiguration) -> [String] {
        guard c.promptsPerCycle != nil else { return pool }
        var rng = CycleRNG(seed: UInt64(truncatingIfNeeded: c.seed) &* 1_000_003 &+ UInt64(cycle))
        return pool.shuffled(using: &rng)
    }

    /// Samples for a prompt this cycle: `signal_samples_per_prompt` when the last cycle that
    /// sampled it showed signal, else `samples_per_prompt`.
    public static func budget(_ id: String, history: [String: [Past]], _ c: RAFTConfiguration) -> Int {
        guard let more = c.signalSamplesPerPrompt, let last = history[id]?.max(by: { $0.cycle < $1.cycle }), last.signal else {
            return c.samplesPerPrompt
        }
        return more
    }

    /// With dynamic sampling, the prompts to add after a round in which `withSignal` of
    /// `chosen` prompts showed signal, short of `target`: enough to make up the shortfall at the
    /// signal rate seen so far (at least a quarter), taken from the rest of `order`.
    public static func refill(order: [String], chosen: [String], withSignal: Int, target: Int) -> [String] {
        let short = target - withSignal
        guard short > 0 else { return [] }
        let rate = max(0.25, Double(withSignal) / Double(max(chosen.count, 1)))
        let taken = Set(chosen)
        return Array(order.lazy.filter { !taken.contains($0) }.prefix(Int((Double(short) / rate).rounded(.up))))
    }
}

/// SplitMix64: the same order on every platform and Swift version, unlike the system generator.
struct CycleRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
