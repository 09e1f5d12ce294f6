internal import Foundation
internal import Yams

/// Everything a RAFT run needs to know; defaults are the values a bare `halo-forge raft train` uses.
public struct RAFTConfiguration: Configurable {
    /// Base model: a folder, a Hugging Face id, or a cached name; empty until a flag or file names one.
    public var model = ""
    /// LoRA adapter to start from.
    public var adapter: String? = nil
    /// A checkpoint of `sft train` (its adapter, or a whole model folder); it names the model when `model` is not set.
    public var checkpoint: String? = nil
    /// A dataset name or a JSONL file of tasks.
    public var dataset = "builtin-c"
    /// A user's prompt file or dataset folder; when set it replaces `dataset`.
    public var prompts: String? = nil
    /// How prompts are judged where a record does not say: gcc, clang, mingw, msvc, python,
    /// pytest, unittest or custom:LANG:EXT:COMPILE[:RUN]; nil keeps the verifier flags.
    public var verifier: String? = nil
    /// The remote build host of `verifier: msvc` (or any remote verification).
    public var verifierHost: String? = nil
    /// The SSH user on the remote build host.
    public var verifierUser: String? = nil
    /// The SSH private key for the remote build host.
    public var verifierSSHKey: String? = nil
    /// Run prompts that have no tests (exit 0 scores 0.7) instead of stopping at compiling.
    public var runAfterCompile = false
    /// The run folder when no --output is given.
    public var output: String? = nil
    /// Generate-filter-train cycles.
    public var cycles = 3
    /// Completions sampled per prompt each cycle.
    public var samplesPerPrompt = 8
    /// Sampling temperature of the first cycle.
    public var temperature = 0.7
    /// Sampling temperature of the last cycle; linear schedule over cycles when set.
    public var temperatureEnd: Double? = nil
    /// Nucleus sampling mass.
    public var topP = 0.95
    /// Generation length limit per completion.
    public var maxNewTokens = 256
    /// Prompts per generation batch; nil sizes batches from free memory.
    public var generationBatchSize: Int? = nil
    /// Samples with a reward at or above this are kept. Unset (the default): a prompt with
    /// tests keeps only samples that pass them (1.0), one without keeps its best rung at or
    /// above compiling (0.5).
    public var rewardThreshold: Double? = nil
    /// Keep at most this many samples per prompt.
    public var keepTopK: Int? = nil
    /// Keep at most this fraction of each prompt's samples, in (0, 1].
    public var keepFraction: Double? = nil
    /// Drop identical completions within a prompt.
    public var dedupe = true
    /// Drop prompts whose samples are all right or all wrong.
    public var dropUniformPrompts = false
    /// Dynamic sampling (DAPO): prompts whose samples all pass or all fail are dropped from the
    /// kept set, and the cycle samples further prompts in their place (with `prompts_per_cycle`).
    public var dynamicSampling = false
    /// Extra sampling rounds a cycle may spend refilling prompts without signal.
    public var dynamicSamplingRounds = 2
    /// Prompts sampled per cycle, drawn in a seeded order from the pool; nil samples every prompt.
    public var promptsPerCycle: Int? = nil
    /// `none`, or `pass_rate_window`: a prompt whose pass rate over the last
    /// `pass_rate_window` cycles lies outside [pass_rate_low, pass_rate_high] sits out until
    /// those samples leave the window.
    public var curriculumStrategy = "none"
    /// Lowest pass rate a prompt may show and stay in the pool.
    public var passRateLow = 0.05
    /// Highest pass rate a prompt may show and stay in the pool.
    public var passRateHigh = 0.95
    /// Cycles of history the pass-rate window looks at.
    public var passRateWindow = 2
    /// Samples for a prompt whose last sampled cycle had signal (some kept, some not); nil: samples_per_prompt.
    public var signalSamplesPerPrompt: Int? = nil
    /// Safeguard: keep at least this many samples per cycle.
    public var minKept = 1
    /// Learning rate of the first cycle.
    public var learningRate = 5e-5
    /// Learning-rate multiplier per cycle.
    public var learningRateDecay = 0.85
    /// `lora` or `full`.
    public var trainMode = "lora"
    /// LoRA rank when training an adapter.
    public var loraRank = 16
    /// LoRA alpha; nil means twice the rank.
    public var loraAlpha: Int? = nil
    /// LoRA dropout.
    public var loraDropout = 0.05
    /// LoRA target modules; nil means every linear layer but the head.
    public var loraTargetModules: [String]? = nil
    /// Optimizer steps per cycle; nil means `epochs_per_cycle` passes over the kept samples.
    public var stepsPerCycle: Int? = nil
    /// Passes over the kept samples per cycle when `steps_per_cycle` is not set.
    public var epochsPerCycle = 1
    /// Micro-batches per optimizer step.
    public var gradAccum = 1
    /// Linear warmup steps of each cycle's training; nil lets the worker choose.
    public var warmupSteps: Int? = nil
    /// Tokens per training batch.
    public var batchTokens = 4096
    /// Seed for sampling and training.
    public var seed = 0
    /// Worker threads; nil lets the engine choose.
    public var threads: Int? = nil
    /// Device: auto, cpu, cuda or mps.
    public var device = "auto"
    /// Weights dtype: auto, float32, bfloat16 or float16.
    public var dtype = "auto"
    /// Experiment trackers that receive the run's metrics: tensorboard, wandb, mlflow.
    public var reportTo: [String]? = nil

    /// The defaults.
    public init() {}

    /// Every setting once: the flat key, halo-forge's upstream nested names, the field.
    public static let settings: [Setting<RAFTConfiguration>] = [
        Setting("model", \.model, upstream: ["base_model"]),
        Setting("adapter", \.adapter),
        Setting("checkpoint", \.checkpoint, upstream: ["sft_checkpoint"]),
        Setting("dataset", \.dataset),
        Setting("prompts", \.prompts),
        Setting("verifier", \.verifier, upstream: ["verifier.type"]),
        Setting("verifier_host", \.verifierHost, upstream: ["verifier.host"]),
        Setting("verifier_user", \.verifierUser, upstream: ["verifier.user"]),
        Setting("verifier_ssh_key", \.verifierSSHKey, upstream: ["verifier.ssh_key"]),
        Setting("run_after_compile", \.runAfterCompile, upstream: ["verifier.run_after_compile"]),
        Setting("output", \.output, upstream: ["output_dir"]),
        Setting("cycles", \.cycles, upstream: ["num_cycles", "raft.num_cycles"]),
        Setting("samples_per_prompt", \.samplesPerPrompt, upstream: ["raft.samples_per_prompt"]),
        Setting("temperature", \.temperature, upstream: ["generation.temperature"]),
        Setting("temperature_end", \.temperatureEnd),
        Setting("top_p", \.topP, upstream: ["generation.top_p"]),
        Setting("max_new_tokens", \.maxNewTokens, upstream: ["generation.max_new_tokens"]),
        Setting("generation_batch_size", \.generationBatchSize, upstream: ["generation.batch_size"]),
        Setting("reward_threshold", \.rewardThreshold, upstream: ["raft.reward_threshold"]),
        Setting("keep_top_k", \.keepTopK),
        Setting("keep_fraction", \.keepFraction, upstream: ["raft.keep_top_percent"]),
        Setting("dedupe", \.dedupe),
        Setting("drop_uniform_prompts", \.dropUniformPrompts),
        Setting("dynamic_sampling", \.dynamicSampling),
        Setting("dynamic_sampling_rounds", \.dynamicSamplingRounds),
        Setting("prompts_per_cycle", \.promptsPerCycle),
        Setting("curriculum_strategy", \.curriculumStrategy, upstream: ["raft.curriculum_strategy"]),
        Setting("pass_rate_low", \.passRateLow),
        Setting("pass_rate_high", \.passRateHigh),
        Setting("pass_rate_window", \.passRateWindow),
        Setting("signal_samples_per_prompt", \.signalSamplesPerPrompt),
        Setting("min_kept", \.minKept, upstream: ["raft.min_samples"]),
        Setting("learning_rate", \.learningRate, upstream: ["training.learning_rate"]),
        Setting("learning_rate_decay", \.learningRateDecay, upstream: ["raft.lr_decay_per_cycle"]),
        Setting("train_mode", \.trainMode),
        Setting("lora_rank", \.loraRank, upstream: ["lora.r"]),
        Setting("lora_alpha", \.loraAlpha, upstream: ["lora.alpha"]),
        Setting("lora_dropout", \.loraDropout, upstream: ["lora.dropout"]),
        Setting("lora_target_modules", \.loraTargetModules, upstream: ["lora.target_modules"]),
        Setting("steps_per_cycle", \.stepsPerCycle),
        Setting("epochs_per_cycle", \.epochsPerCycle, upstream: ["training.epochs"]),
        Setting("grad_accum", \.gradAccum, upstream: ["training.gradient_accumulation_steps"]),
        Setting("warmup_steps", \.warmupSteps, upstream: ["training.warmup_steps"]),
        Setting("batch_tokens", \.batchTokens),
        Setting("seed", \.seed),
        Setting("threads", \.threads, upstream: ["hardware.threads"]),
        Setting("device", \.device, upstream: ["hardware.device"]),
        Setting("dtype", \.dtype, upstream: ["hardware.dtype"]),
        Setting("report_to", \.reportTo, upstream: ["training.report_to"]),
    ]
}

/// Settings of a RAFT run given by one source (a file or the flags).
public typealias RAFTOverrides = Overrides<RAFTConfiguration>

extension RAFTConfiguration {
    /// Throws the first out-of-range field, named by its YAML key; `source` is "raft.yaml" or "--flags".
    public func validate(source: String) throws {
        func fail(_ field: String, _ rule: String, _ value: String) throws -> Never {
            throw ConfigurationError(
                source: source, field: field, message: "field '\(field)' \(rule), got \(value)")
        }
        // Comparisons are written so that NaN fails them.
        if model.isEmpty {
            throw ConfigurationError(
                source: source, field: "model",
                message: "field 'model' is required: give --model (a folder, a Hugging Face id, or tiny/smollm2), or model / base_model / sft_checkpoint in --config")
        }
        if dataset.isEmpty { try fail("dataset", "must not be empty", "\"\"") }
        if prompts?.isEmpty == true { try fail("prompts", "must not be empty", "\"\"") }
        if verifier?.isEmpty == true { try fail("verifier", "must not be empty", "\"\"") }
        if !(cycles >= 1) { try fail("cycles", "must be at least 1", "\(cycles)") }
        if !(samplesPerPrompt >= 1) { try fail("samples_per_prompt", "must be at least 1", "\(samplesPerPrompt)") }
        if !(temperature >= 0 && temperature.isFinite) {
            try fail("temperature", "must be a finite number at least 0", "\(temperature)")
        }
        if let end = temperatureEnd, !(end >= 0 && end.isFinite) {
            try fail("temperature_end", "must be a finite number at least 0", "\(end)")
        }
        if !(topP > 0 && topP <= 1) { try fail("top_p", "must be in (0, 1]", "\(topP)") }
        if !(maxNewTokens >= 1) { try fail("max_new_tokens", "must be at least 1", "\(maxNewTokens)") }
        if let t = rewardThreshold, !(t >= 0 && t <= 1) { try fail("reward_threshold", "must be in [0, 1]", "\(t)") }
        if !(dynamicSamplingRounds >= 0) { try fail("dynamic_sampling_rounds", "must be at least 0", "\(dynamicSamplingRounds)") }
        if let p = promptsPerCycle, !(p >= 1) { try fail("prompts_per_cycle", "must be at least 1", "\(p)") }
        if !["none", "pass_rate_window"].contains(curriculumStrategy) {
            try fail("curriculum_strategy", "must be none or pass_rate_window", yamlQuoted(curriculumStrategy))
        }
        if !(passRateLow >= 0 && passRateLow <= passRateHigh && passRateHigh <= 1) {
            try fail("pass_rate_low", "and pass_rate_high must satisfy 0 <= low <= high <= 1", "\(passRateLow) and \(passRateHigh)")
        }
        if !(passRateWindow >= 1) { try fail("pass_rate_window", "must be at least 1", "\(passRateWindow)") }
        if let n = signalSamplesPerPrompt, !(n >= 1) { try fail("signal_samples_per_prompt", "must be at least 1", "\(n)") }
        if let k = keepTopK, !(k >= 1) { try fail("keep_top_k", "must be at least 1", "\(k)") }
        if let f = keepFraction, !(f > 0 && f <= 1) { try fail("keep_fraction", "must be in (0, 1]", "\(f)") }
        if !(minKept >= 0) { try fail("min_kept", "must be at least 0", "\(minKept)") }
        if !(learningRate > 0 && learningRate.isFinite) {
            try fail("learning_rate", "must be a finite number above 0", "\(learningRate)")
        }
        if !(learningRateDecay > 0 && learningRateDecay <= 1) {
            try fail("learning_rate_decay", "must be in (0, 1]", "\(learningRateDecay)")
        }
        if trainMode != "lora" && trainMode != "full" {
            try fail("train_mode", "must be lora or full", yamlQuoted(trainMode))
        }
        if !(loraRank >= 1) { try fail("lora_rank", "must be at least 1", "\(loraRank)") }
        if let a = loraAlpha, !(a >= 1) { try fail("lora_alpha", "must be at least 1", "\(a)") }
        if !(loraDropout >= 0 && loraDropout < 1) { try fail("lora_dropout", "must be in [0, 1)", "\(loraDropout)") }
        if loraTargetModules?.isEmpty == true { try fail("lora_target_modules", "must name at least one module", "[]") }
        if !(epochsPerCycle >= 1) { try fail("epochs_per_cycle", "must be at least 1", "\(epochsPerCycle)") }
        if !(gradAccum >= 1) { try fail("grad_accum", "must be at least 1", "\(gradAccum)") }
        if let w = warmupSteps, !(w >= 0) { try fail("warmup_steps", "must be at least 0", "\(w)") }
        if let b = generationBatchSize, !(b >= 1) { try fail("generation_batch_size", "must be at least 1", "\(b)") }
        if !["auto", "cpu", "cuda", "mps"].contains(device) { try fail("device", "must be auto, cpu, cuda or mps", yamlQuoted(device)) }
        if !["auto", "float32", "bfloat16", "float16"].contains(dtype) {
            try fail("dtype", "must be auto, float32, bfloat16 or float16", yamlQuoted(dtype))
        }
        if let s = stepsPerCycle, !(s >= 1) { try fail("steps_per_cycle", "must be at least 1", "\(s)") }
        if !(batchTokens >= 64) { try fail("batch_tokens", "must be at least 64", "\(batchTokens)") }
        if let t = threads, !(t >= 1) { try fail("threads", "must be at least 1", "\(t)") }
        if let bad = reportTo?.first(where: { !TrackerReporter.names.contains($0) }) {
            try fail("report_to", "must list tensorboard, wandb or mlflow", yamlQuoted(bad))
        }
    }
}

extension RAFTConfiguration {
    /// `checkpoint` turned into the model and adapter it stands for: a folder holding a PEFT
    /// adapter (`adapter_config.json`) becomes the adapter, and its base model the model when
    /// none is given; a whole model folder (`config.json`) becomes the model.
    public func resolvingCheckpoint(source: String) throws -> RAFTConfiguration {
        guard let checkpoint else { return self }
        var c = self
        let fm = FileManager.default
        if let data = fm.contents(atPath: checkpoint + "/adapter_config.json") {
            if c.adapter == nil { c.adapter = checkpoint }
            if c.model.isEmpty {
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                guard let base = object?["base_model_name_or_path"] as? String, !base.isEmpty else {
                    throw ConfigurationError(
                        source: source, field: "checkpoint",
                        message: "field 'checkpoint': \(checkpoint)/adapter_config.json names no base model; give --model")
                }
                c.model = base
            }
        } else if fm.fileExists(atPath: checkpoint + "/config.json") {
            c.model = checkpoint
        } else {
            throw ConfigurationError(
                source: source, field: "checkpoint",
                message: "field 'checkpoint': \(checkpoint) holds no adapter (adapter_config.json) and no model (config.json)")
        }
        return c
    }
}
