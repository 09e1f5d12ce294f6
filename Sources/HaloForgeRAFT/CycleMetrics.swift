internal import Foundation
public import HaloForgeCore

/// What a cycle measured, as stored in `run.sqlite` (`cycle.metrics`, a JSON object that each
/// phase merges its keys into). Every field is optional: a cycle in progress has only some, and
/// a run made by an older version may lack newer ones. The JSON keys are the stored schema the
/// dashboard, the trackers and older runs share: rename nothing.
public struct CycleMetrics: Sendable, Equatable {
    // Sampling (the prompt policy).
    /// Prompts the cycle could sample (`pool`) and those the pass-rate window left out.
    public var pool: Int?
    public var poolExcluded: [String]?
    public var promptsSampled: Int?
    public var promptsWithSignal: Int?
    public var samplingRounds: Int?
    /// The last sampling round's generation speed.
    public var generateTokensPerSecond: Double?
    /// The last verification pass's speed (beside generation: the last request's samples).
    public var verifySamplesPerSecond: Double?

    // Filter.
    public var samples: Int?
    public var kept: Int?
    public var meanReward: Double?
    /// Samples that compile (reward ≥ 0.5; warnings-only code does not count).
    public var compileRate: Double?
    /// Samples that pass their tests (reward 1.0).
    public var passRate: Double?
    public var promptsSolved: Int?
    public var temperature: Double?
    /// What the min_kept safeguard did; stored as null when it did nothing.
    public var filterNote: String?

    // Training.
    public var trained: Bool?
    public var trainSteps: Int?
    /// The last step's loss and gradient norm; stored as null after a training without steps.
    public var loss: Double?
    public var gradNorm: Double?
    public var learningRate: Double?
    public var trainTokensPerSecond: Double?
    /// What the generator recorded about the new adapter (vLLM: the adapter probe).
    public var adapterProbe: JSONValue?
    /// Wall time of the cycle in the process that finished it.
    public var seconds: Double?

    /// Keys this version does not know (a newer version's, a generator's own), kept as read.
    public var other: [String: JSONValue] = [:]

    public init() {}

    /// The stored keys.
    public enum Key {
        public static let pool = "pool", poolExcluded = "pool_excluded", promptsSampled = "prompts_sampled"
        public static let promptsWithSignal = "prompts_with_signal", samplingRounds = "sampling_rounds"
        public static let generateTokensPerSecond = "generate_tokens_per_second", verifySamplesPerSecond = "verify_samples_per_second"
        public static let samples = "samples", kept = "kept", meanReward = "mean_reward", compileRate = "compile_rate"
        public static let passRate = "pass_rate", promptsSolved = "prompts_solved", temperature = "temperature", filterNote = "filter_note"
        public static let trained = "trained", trainSteps = "train_steps", loss = "loss", gradNorm = "grad_norm"
        public static let learningRate = "learning_rate", trainTokensPerSecond = "train_tokens_per_second"
        public static let adapterProbe = "adapter_probe", seconds = "seconds"
    }

    /// Reads a stored metrics object; a value of the wrong type reads as absent.
    public init(json: [String: JSONValue]) {
        var rest = json
        func take(_ key: String) -> JSONValue? { rest.removeValue(forKey: key) }
        pool = take(Key.pool)?.intValue
        poolExcluded = take(Key.poolExcluded)?.arrayValue?.compactMap(\.stringValue)
        promptsSampled = take(Key.promptsSampled)?.intValue
        promptsWithSignal = take(Key.promptsWithSignal)?.intValue
        samplingRounds = take(Key.samplingRounds)?.intValue
        generateTokensPerSecond = take(Key.generateTokensPerSecond)?.doubleValue
        verifySamplesPerSecond = take(Key.verifySamplesPerSecond)?.doubleValue
        samples = take(Key.samples)?.intValue
        kept = take(Key.kept)?.intValue
        meanReward = take(Key.meanReward)?.doubleValue
        compileRate = take(Key.compileRate)?.doubleValue
        passRate = take(Key.passRate)?.doubleValue
        promptsSolved = take(Key.promptsSolved)?.intValue
        temperature = take(Key.temperature)?.doubleValue
        filterNote = take(Key.filterNote)?.stringValue
        if case .bool(let b)? = take(Key.trained) { trained = b }
        trainSteps = take(Key.trainSteps)?.intValue
        loss = take(Key.loss)?.doubleValue
        gradNorm = take(Key.gradNorm)?.doubleValue
        learningRate = take(Key.learningRate)?.doubleValue
        trainTokensPerSecond = take(Key.trainTokensPerSecond)?.doubleValue
        adapterProbe = take(Key.adapterProbe)
        seconds = take(Key.seconds)?.doubleValue
        other = rest
    }

    /// The stored form of the fields that are set. Written as the loop always wrote them: with
    /// the filter's counts, `filter_note` (null without a note); with a training that ran, `loss`
    /// and `grad_norm` (null without steps).
    public var json: [String: JSONValue] {
        var out = other
        func put(_ key: String, _ value: JSONValue?) { if let value { out[key] = value } }
        put(Key.pool, pool.map(JSONValue.int))
        put(Key.poolExcluded, poolExcluded.map { .array($0.map(JSONValue.string)) })
        put(Key.promptsSampled, promptsSampled.map(JSONValue.int))
        put(Key.promptsWithSignal, promptsWithSignal.map(JSONValue.int))
        put(Key.samplingRounds, samplingRounds.map(JSONValue.int))
        put(Key.generateTokensPerSecond, generateTokensPerSecond.map(JSONValue.double))
        put(Key.verifySamplesPerSecond, verifySamplesPerSecond.map(JSONValue.double))
        put(Key.samples, samples.map(JSONValue.int))
        put(Key.kept, kept.map(JSONValue.int))
        put(Key.meanReward, meanReward.map(JSONValue.double))
        put(Key.compileRate, compileRate.map(JSONValue.double))
        put(Key.passRate, passRate.map(JSONValue.double))
        put(Key.promptsSolved, promptsSolved.map(JSONValue.int))
        put(Key.temperature, temperature.map(JSONValue.double))
        put(Key.filterNote, filterNote.map(JSONValue.string) ?? (kept != nil ? .null : nil))
        put(Key.trained, trained.map(JSONValue.bool))
        put(Key.trainSteps, trainSteps.map(JSONValue.int))
        put(Key.loss, loss.map(JSONValue.double) ?? (trained == true ? .null : nil))
        put(Key.gradNorm, gradNorm.map(JSONValue.double) ?? (trained == true ? .null : nil))
        put(Key.learningRate, learningRate.map(JSONValue.double))
        put(Key.trainTokensPerSecond, trainTokensPerSecond.map(JSONValue.double))
        put(Key.adapterProbe, adapterProbe)
        put(Key.seconds, seconds.map(JSONValue.double))
        return out
    }

    /// A stored value by its key, for readers that go by key (the CLI table, trackers).
    public subscript(key: String) -> JSONValue? { json[key] }

    /// `self` with every field `newer` sets replaced by its value.
    public func merging(_ newer: CycleMetrics) -> CycleMetrics {
        CycleMetrics(json: json.merging(newer.json) { _, new in new })
    }
}
