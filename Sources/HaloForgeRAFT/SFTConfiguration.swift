/// Everything `sft train` needs; defaults are what a bare `halo-forge sft train` uses.
public struct SFTConfiguration: Configurable {
    /// Base model: a folder, a Hugging Face id, or a cached name; empty until a flag or file names one.
    public var model = ""
    /// LoRA adapter to continue from.
    public var adapter: String? = nil
    /// Prepared records, prompt/completion JSONL, or a built-in set's name.
    public var data = ""
    /// Output folder (adapter/, final_model, checkpoint/, sft.json).
    public var output = ""
    /// Full fine-tuning instead of LoRA.
    public var full = false
    /// Optimizer steps; nil means `epochs` passes.
    public var steps: Int? = nil
    /// Passes over the data when `steps` is not set.
    public var epochs = 1
    /// Peak learning rate (warmup, then cosine decay).
    public var learningRate = 2e-4
    /// LoRA rank.
    public var rank = 16
    /// LoRA alpha; nil means twice the rank.
    public var alpha: Int? = nil
    /// LoRA dropout.
    public var dropout = 0.05
    /// LoRA target modules; nil means every linear layer but the head.
    public var targetModules: [String]? = nil
    /// Tokens per micro-batch.
    public var batchTokens = 4096
    /// Micro-batches per optimizer step.
    public var gradAccum = 1
    /// Linear warmup steps; nil lets the worker choose.
    public var warmupSteps: Int? = nil
    /// Longest example in tokens.
    public var maxLength = 1024
    /// Fraction of the pairs held out for the evaluation loss.
    public var evalFraction = 0.1
    /// Optimizer steps between evaluations.
    public var evalEvery = 50
    /// Evaluations without improvement before stopping early (0: never).
    public var patience = 3
    /// Optimizer steps between checkpoints.
    public var checkpointEvery = 50
    /// Weights dtype: auto, float32, bfloat16 or float16.
    public var dtype = "auto"
    /// Chat template: auto, true or false.
    public var chat = "auto"
    /// Random seed.
    public var seed = 0
    /// torch threads; nil lets torch choose.
    public var threads: Int? = nil
    /// Device: auto, cpu, cuda or mps.
    public var device = "auto"
    /// Experiment trackers that receive the run's metrics: tensorboard, wandb, mlflow.
    public var reportTo: [String]? = nil

    /// The defaults.
    public init() {}

    /// Every setting once: the flat key (the flag's name), halo-forge's upstream nested names, the field.
    public static let settings: [Setting<SFTConfiguration>] = [
        Setting("model", \.model, upstream: ["model.name"]),
        Setting("adapter", \.adapter),
        Setting("data", \.data, upstream: ["data.train_file"]),
        Setting("output", \.output, upstream: ["training.output_dir", "output_dir"]),
        Setting("full", \.full),
        Setting("steps", \.steps, upstream: ["training.max_steps"]),
        Setting("epochs", \.epochs, upstream: ["training.num_train_epochs", "training.epochs"]),
        Setting("learning_rate", \.learningRate, upstream: ["training.learning_rate"]),
        Setting("rank", \.rank, upstream: ["lora.r"]),
        Setting("alpha", \.alpha, upstream: ["lora.alpha"]),
        Setting("dropout", \.dropout, upstream: ["lora.dropout"]),
        Setting("target_modules", \.targetModules, upstream: ["lora.target_modules"]),
        Setting("batch_tokens", \.batchTokens),
        Setting("grad_accum", \.gradAccum, upstream: ["training.gradient_accumulation_steps"]),
        Setting("warmup_steps", \.warmupSteps, upstream: ["training.warmup_steps"]),
        Setting("max_length", \.maxLength, upstream: ["data.max_seq_length"]),
        Setting("eval_fraction", \.evalFraction, upstream: ["data.validation_split"]),
        Setting("eval_every", \.evalEvery, upstream: ["training.eval_steps"]),
        Setting("patience", \.patience, upstream: ["training.early_stopping_patience"]),
        Setting("checkpoint_every", \.checkpointEvery, upstream: ["training.save_steps"]),
        Setting("dtype", \.dtype, upstream: ["hardware.dtype"]),
        Setting("chat", \.chat),
        Setting("seed", \.seed, upstream: ["training.seed"]),
        Setting("threads", \.threads, upstream: ["hardware.threads"]),
        Setting("device", \.device, upstream: ["hardware.device"]),
        Setting("report_to", \.reportTo, upstream: ["training.report_to"]),
    ]

    /// Throws the first missing or out-of-range setting, named by its YAML key.
    public func validate(source: String) throws {
        func fail(_ field: String, _ rule: String, _ value: String) throws -> Never {
            throw ConfigurationError(source: source, field: field, message: "field '\(field)' \(rule), got \(value)")
        }
        func required(_ field: String, _ flag: String, _ upstream: String) throws {
            throw ConfigurationError(
                source: source, field: field, message: "field '\(field)' is required: give \(flag), or \(field) / \(upstream) in --config")
        }
        if model.isEmpty { try required("model", "--model", "model.name") }
        if data.isEmpty { try required("data", "--data", "data.train_file") }
        if output.isEmpty { try required("output", "--output", "training.output_dir") }
        if let s = steps, !(s >= 1) { try fail("steps", "must be at least 1", "\(s)") }
        if !(epochs >= 1) { try fail("epochs", "must be at least 1", "\(epochs)") }
        if !(learningRate > 0 && learningRate.isFinite) { try fail("learning_rate", "must be a finite number above 0", "\(learningRate)") }
        if !(rank >= 1) { try fail("rank", "must be at least 1", "\(rank)") }
        if let a = alpha, !(a >= 1) { try fail("alpha", "must be at least 1", "\(a)") }
        if !(dropout >= 0 && dropout < 1) { try fail("dropout", "must be in [0, 1)", "\(dropout)") }
        if targetModules?.isEmpty == true { try fail("target_modules", "must name at least one module", "[]") }
        if !(batchTokens >= 64) { try fail("batch_tokens", "must be at least 64", "\(batchTokens)") }
        if !(gradAccum >= 1) { try fail("grad_accum", "must be at least 1", "\(gradAccum)") }
        if let w = warmupSteps, !(w >= 0) { try fail("warmup_steps", "must be at least 0", "\(w)") }
        if !(maxLength >= 16) { try fail("max_length", "must be at least 16", "\(maxLength)") }
        if !(evalFraction >= 0 && evalFraction < 1) { try fail("eval_fraction", "must be in [0, 1)", "\(evalFraction)") }
        if !(evalEvery >= 1) { try fail("eval_every", "must be at least 1", "\(evalEvery)") }
        if !(patience >= 0) { try fail("patience", "must be at least 0", "\(patience)") }
        if !(checkpointEvery >= 1) { try fail("checkpoint_every", "must be at least 1", "\(checkpointEvery)") }
        if !["auto", "float32", "bfloat16", "float16"].contains(dtype) {
            try fail("dtype", "must be auto, float32, bfloat16 or float16", yamlQuoted(dtype))
        }
        if !["auto", "true", "false"].contains(chat) { try fail("chat", "must be auto, true or false", yamlQuoted(chat)) }
        if let t = threads, !(t >= 1) { try fail("threads", "must be at least 1", "\(t)") }
        if !["auto", "cpu", "cuda", "mps"].contains(device) { try fail("device", "must be auto, cpu, cuda or mps", yamlQuoted(device)) }
        if let bad = reportTo?.first(where: { !TrackerReporter.names.contains($0) }) {
            try fail("report_to", "must list tensorboard, wandb or mlflow", yamlQuoted(bad))
        }
    }
}

/// Settings of `sft train` given by one source (a file or the flags).
public typealias SFTOverrides = Overrides<SFTConfiguration>
