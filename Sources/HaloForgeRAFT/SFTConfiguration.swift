/// Everything `sft train` needs; defaults are what a bare `halo-forge sft train` uses. Each field
/// is described once in `settings` (key, upstream names, help, rule), as in `RAFTConfiguration`.
public struct SFTConfiguration: Configurable {
    public var model = ""
    public var adapter: String? = nil
    public var data = ""
    public var output = ""
    public var full = false
    public var steps: Int? = nil
    public var epochs = 1
    public var learningRate = 2e-4
    public var rank = 16
    public var alpha: Int? = nil
    public var dropout = 0.05
    public var targetModules: [String]? = nil
    public var batchTokens = 4096
    public var gradAccum = 1
    public var warmupSteps: Int? = nil
    public var maxLength = 1024
    public var evalFraction = 0.1
    public var evalEvery = 50
    public var patience = 3
    public var checkpointEvery = 50
    public var dtype = "auto"
    public var chat = "auto"
    public var seed = 0
    public var threads: Int? = nil
    public var device = "auto"
    public var reportTo: [String]? = nil

    /// The defaults.
    public init() {}

    /// Every setting once: the flat key (the flag's name), the field, halo-forge's upstream nested names, help and rule.
    public static let settings: [Setting<SFTConfiguration>] = [
        Setting("model", \.model, upstream: ["model.name"], help: "Model: a local folder, a Hugging Face id, or a cached name (tiny, smollm2)"),
        Setting("adapter", \.adapter, help: "A LoRA adapter folder (PEFT format) to continue from"),
        Setting("data", \.data, upstream: ["data.train_file"], help: "Prepared records, prompt/completion JSONL, or a built-in set's name"),
        Setting("output", \.output, upstream: ["training.output_dir", "output_dir"],
                help: "Output folder (adapter/, final_model → adapter, checkpoint/, sft.json)"),
        Setting("full", \.full, help: "Full fine-tuning instead of LoRA"),
        Setting("steps", \.steps, upstream: ["training.max_steps"], help: "Optimizer steps; unset: epochs passes", rule: .atLeast(1)),
        Setting("epochs", \.epochs, upstream: ["training.num_train_epochs", "training.epochs"],
                help: "Passes over the data when steps is not given", rule: .atLeast(1)),
        Setting("learning_rate", \.learningRate, upstream: ["training.learning_rate"],
                help: "Peak learning rate, warmup then cosine decay", rule: .finiteAboveZero),
        Setting("rank", \.rank, upstream: ["lora.r"], help: "LoRA rank (alpha is twice the rank unless alpha is set)", rule: .atLeast(1)),
        Setting("alpha", \.alpha, upstream: ["lora.alpha"], help: "LoRA alpha; unset: twice the rank", rule: .atLeast(1)),
        Setting("dropout", \.dropout, upstream: ["lora.dropout"], help: "LoRA dropout", rule: .range(0, 1, openHigh: true, example: 0.1)),
        Setting("target_modules", \.targetModules, upstream: ["lora.target_modules"],
                help: "LoRA target modules; unset: every linear layer but the head", rule: .nonEmpty),
        Setting("batch_tokens", \.batchTokens, help: "Tokens per micro-batch: rows × longest row; length-grouped, dynamic padding", rule: .atLeast(64)),
        Setting("grad_accum", \.gradAccum, upstream: ["training.gradient_accumulation_steps"],
                help: "Micro-batches per optimizer step", rule: .atLeast(1)),
        Setting("warmup_steps", \.warmupSteps, upstream: ["training.warmup_steps"],
                help: "Linear warmup steps; unset: the worker chooses", rule: .atLeast(0)),
        Setting("max_length", \.maxLength, upstream: ["data.max_seq_length"],
                help: "Longest example in tokens; the prompt's start is cut first", rule: .atLeast(16)),
        Setting("eval_fraction", \.evalFraction, upstream: ["data.validation_split"],
                help: "Fraction of the pairs held out for the evaluation loss", rule: .range(0, 1, openHigh: true, example: 0.2)),
        Setting("eval_every", \.evalEvery, upstream: ["training.eval_steps"], help: "Optimizer steps between evaluations", rule: .atLeast(1)),
        Setting("patience", \.patience, upstream: ["training.early_stopping_patience"],
                help: "Evaluations without improvement before stopping early, 0: never", rule: .atLeast(0)),
        Setting("checkpoint_every", \.checkpointEvery, upstream: ["training.save_steps"],
                help: "Optimizer steps between checkpoints", rule: .atLeast(1)),
        Setting("dtype", \.dtype, upstream: ["hardware.dtype"],
                help: "Weights dtype: auto (bfloat16 on a GPU that supports it, else float32), float32, bfloat16, float16",
                rule: .oneOf(["auto", "float32", "bfloat16", "float16"])),
        Setting("chat", \.chat, help: "Chat template: auto (when the tokenizer has one), true or false", rule: .oneOf(["auto", "true", "false"])),
        Setting("seed", \.seed, upstream: ["training.seed"], help: "Random seed: data order, evaluation slice, LoRA init"),
        Setting("threads", \.threads, upstream: ["hardware.threads"], help: "torch threads; unset: torch's choice, one per core", rule: .atLeast(1)),
        Setting("device", \.device, upstream: ["hardware.device"], help: "Device: auto, cpu, cuda or mps", rule: .oneOf(["auto", "cpu", "cuda", "mps"])),
        Setting("report_to", \.reportTo, upstream: ["training.report_to"],
                help: "Experiment trackers that receive the run's metrics: tensorboard, wandb, mlflow", rule: .each(of: TrackerReporter.names)),
    ]

    /// Throws the first missing or out-of-range setting, named by its YAML key; each field's own
    /// rule is in `settings`.
    public func validate(source: String) throws {
        func required(_ field: String, _ flag: String, _ upstream: String) throws {
            throw ConfigurationError(
                source: source, field: field, message: "field '\(field)' is required: give \(flag), or \(field) / \(upstream) in --config")
        }
        if model.isEmpty { try required("model", "--model", "model.name") }
        if data.isEmpty { try required("data", "--data", "data.train_file") }
        if output.isEmpty { try required("output", "--output", "training.output_dir") }
        try checkRules(source: source)
    }
}

/// Settings of `sft train` given by one source (a file or the flags).
public typealias SFTOverrides = Overrides<SFTConfiguration>
