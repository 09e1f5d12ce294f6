public import HaloForgeVerify
internal import Foundation
internal import Yams

/// Everything a RAFT run needs to know; defaults are the values a bare `halo-forge raft train` uses.
/// Each field is declared here with its type and default, and described once in `settings`
/// (key, upstream names, help, rule): YAML, `--set`, the stored run config, validation and
/// `config keys` come from that table. Adding a setting: a field here, its row below, a test.
public struct RAFTConfiguration: Configurable {
    public var model = ""
    public var adapter: String? = nil
    public var checkpoint: String? = nil
    public var dataset = "builtin-c"
    public var prompts: String? = nil
    public var verifier: String? = nil
    public var verifierHost: String? = nil
    public var verifierUser: String? = nil
    public var verifierSSHKey: String? = nil
    public var runAfterCompile = false
    public var output: String? = nil
    public var cycles = 3
    public var samplesPerPrompt = 8
    public var temperature = 0.7
    public var temperatureEnd: Double? = nil
    public var topP = 0.95
    public var maxNewTokens = 256
    public var generationBatchSize: Int? = nil
    public var rewardThreshold: Double? = nil
    public var keepTopK: Int? = nil
    public var keepFraction: Double? = nil
    public var dedupe = true
    public var dropUniformPrompts = false
    public var dynamicSampling = false
    public var dynamicSamplingRounds = 2
    public var promptsPerCycle: Int? = nil
    public var curriculumStrategy = "none"
    public var passRateLow = 0.05
    public var passRateHigh = 0.95
    public var passRateWindow = 2
    public var signalSamplesPerPrompt: Int? = nil
    public var minKept = 1
    public var learningRate = 5e-5
    public var learningRateDecay = 0.85
    public var trainMode = "lora"
    public var loraRank = 16
    public var loraAlpha: Int? = nil
    public var loraDropout = 0.05
    public var loraTargetModules: [String]? = nil
    public var stepsPerCycle: Int? = nil
    public var epochsPerCycle = 1
    public var gradAccum = 1
    public var warmupSteps: Int? = nil
    public var batchTokens = 4096
    public var seed = 0
    public var threads: Int? = nil
    public var device = "auto"
    public var dtype = "auto"
    public var reportTo: [String]? = nil

    /// The defaults.
    public init() {}

    /// Every setting once: the flat key, the field, halo-forge's upstream nested names, its help and its rule.
    public static let settings: [Setting<RAFTConfiguration>] = [
        Setting("model", \.model, upstream: ["base_model"],
                help: "Base model: a folder, a Hugging Face id, or a cached name (tiny, smollm2)"),
        Setting("adapter", \.adapter, help: "LoRA adapter to start from (e.g. the adapter/ folder of `sft train`)"),
        Setting("checkpoint", \.checkpoint, upstream: ["sft_checkpoint"],
                help: "A checkpoint of `sft train` (its adapter, naming its base model) or a whole model folder; it names the model when model is not set"),
        Setting("dataset", \.dataset, help: "A built-in dataset name or a JSONL file of tasks", rule: .nonEmpty),
        Setting("prompts", \.prompts, help: "Your prompt file or dataset folder; replaces dataset", rule: .nonEmpty),
        Setting("verifier", \.verifier, upstream: ["verifier.type"],
                help: "How prompts are judged where a record does not say: gcc, clang, mingw, msvc, python, pytest, unittest or custom:LANG:EXT:COMPILE[:RUN]",
                rule: .nonEmpty),
        Setting("verifier_host", \.verifierHost, upstream: ["verifier.host"], help: "The remote build host of verifier msvc (or any remote verification)"),
        Setting("verifier_user", \.verifierUser, upstream: ["verifier.user"], help: "The SSH user on the remote build host"),
        Setting("verifier_ssh_key", \.verifierSSHKey, upstream: ["verifier.ssh_key"], help: "The SSH private key for the remote build host"),
        Setting("run_after_compile", \.runAfterCompile, upstream: ["verifier.run_after_compile"],
                help: "Run prompts that have no tests (exit 0 scores 0.7) instead of stopping at compiling"),
        Setting("output", \.output, upstream: ["output_dir"], help: "The run folder when no --output is given"),
        Setting("cycles", \.cycles, upstream: ["num_cycles", "raft.num_cycles"], help: "Generate-filter-train cycles", rule: .atLeast(1)),
        Setting("samples_per_prompt", \.samplesPerPrompt, upstream: ["raft.samples_per_prompt"],
                help: "Completions sampled per prompt each cycle", rule: .atLeast(1)),
        Setting("temperature", \.temperature, upstream: ["generation.temperature"],
                help: "Sampling temperature of the first cycle", rule: .finiteAtLeastZero),
        Setting("temperature_end", \.temperatureEnd,
                help: "Sampling temperature of the last cycle; linear schedule over cycles when set", rule: .finiteAtLeastZero),
        Setting("top_p", \.topP, upstream: ["generation.top_p"], help: "Nucleus sampling mass",
                rule: .range(0, 1, openLow: true, example: 0.9)),
        Setting("max_new_tokens", \.maxNewTokens, upstream: ["generation.max_new_tokens"],
                help: "Most new tokens per sample", rule: .atLeast(1)),
        Setting("generation_batch_size", \.generationBatchSize, upstream: ["generation.batch_size"],
                help: "Prompts per generation batch; unset: sized from free memory", rule: .atLeast(1)),
        Setting("reward_threshold", \.rewardThreshold, upstream: ["raft.reward_threshold"],
                help: "Keep samples with at least this reward; unset: a prompt with tests keeps only passing samples (1.0), one without its best rung from compiling (0.5) up",
                rule: .range(0, 1, example: 0.5)),
        Setting("keep_top_k", \.keepTopK, help: "Keep at most this many samples per prompt", rule: .atLeast(1)),
        Setting("keep_fraction", \.keepFraction, upstream: ["raft.keep_top_percent"],
                help: "Keep at most this fraction of each prompt's samples", rule: .range(0, 1, openLow: true, example: 0.5)),
        Setting("dedupe", \.dedupe, help: "Drop identical completions within a prompt"),
        Setting("drop_uniform_prompts", \.dropUniformPrompts, help: "Drop prompts whose samples are all right or all wrong"),
        Setting("dynamic_sampling", \.dynamicSampling,
                help: "Dynamic sampling (DAPO): prompts whose samples all pass or all fail are dropped and further prompts sampled in their place (with prompts_per_cycle)"),
        Setting("dynamic_sampling_rounds", \.dynamicSamplingRounds,
                help: "Extra sampling rounds a cycle may spend refilling prompts without signal", rule: .atLeast(0)),
        Setting("prompts_per_cycle", \.promptsPerCycle,
                help: "Prompts sampled per cycle, drawn in a seeded order from the pool; unset: every prompt", rule: .atLeast(1)),
        Setting("curriculum_strategy", \.curriculumStrategy, upstream: ["raft.curriculum_strategy"],
                help: "none, or pass_rate_window: a prompt whose pass rate over the window lies outside [pass_rate_low, pass_rate_high] sits out",
                rule: .oneOf(["none", "pass_rate_window"])),
        Setting("pass_rate_low", \.passRateLow, help: "Lowest pass rate a prompt may show and stay in the pool"),
        Setting("pass_rate_high", \.passRateHigh, help: "Highest pass rate a prompt may show and stay in the pool"),
        Setting("pass_rate_window", \.passRateWindow, help: "Cycles of history the pass-rate window looks at", rule: .atLeast(1)),
        Setting("signal_samples_per_prompt", \.signalSamplesPerPrompt,
                help: "Samples for a prompt whose last sampled cycle had signal; unset: samples_per_prompt", rule: .atLeast(1)),
        Setting("min_kept", \.minKept, upstream: ["raft.min_samples"], help: "Safeguard: keep at least this many samples per cycle", rule: .atLeast(0)),
        Setting("learning_rate", \.learningRate, upstream: ["training.learning_rate"],
                help: "Learning rate of the first cycle", rule: .finiteAboveZero),
        Setting("learning_rate_decay", \.learningRateDecay, upstream: ["raft.lr_decay_per_cycle"],
                help: "Learning-rate multiplier per cycle", rule: .range(0, 1, openLow: true, example: 0.5)),
        Setting("train_mode", \.trainMode, help: "lora or full", rule: .oneOf(["lora", "full"])),
        Setting("lora_rank", \.loraRank, upstream: ["lora.r"], help: "LoRA rank", rule: .atLeast(1)),
        Setting("lora_alpha", \.loraAlpha, upstream: ["lora.alpha"], help: "LoRA alpha; unset: twice the rank", rule: .atLeast(1)),
        Setting("lora_dropout", \.loraDropout, upstream: ["lora.dropout"], help: "LoRA dropout",
                rule: .range(0, 1, openHigh: true, example: 0.1)),
        Setting("lora_target_modules", \.loraTargetModules, upstream: ["lora.target_modules"],
                help: "LoRA target modules; unset: every linear layer but the head", rule: .nonEmpty),
        Setting("steps_per_cycle", \.stepsPerCycle,
                help: "Optimizer steps per cycle; unset: epochs_per_cycle passes over the kept samples", rule: .atLeast(1)),
        Setting("epochs_per_cycle", \.epochsPerCycle, upstream: ["training.epochs"],
                help: "Passes over the kept samples per cycle when steps_per_cycle is not set", rule: .atLeast(1)),
        Setting("grad_accum", \.gradAccum, upstream: ["training.gradient_accumulation_steps"],
                help: "Micro-batches per optimizer step", rule: .atLeast(1)),
        Setting("warmup_steps", \.warmupSteps, upstream: ["training.warmup_steps"],
                help: "Linear warmup steps of each cycle's training; unset: the worker chooses", rule: .atLeast(0)),
        Setting("batch_tokens", \.batchTokens, help: "Tokens per training batch", rule: .atLeast(64)),
        Setting("seed", \.seed, help: "Seed for sampling and training"),
        Setting("threads", \.threads, upstream: ["hardware.threads"], help: "torch threads; unset: the engine chooses", rule: .atLeast(1)),
        Setting("device", \.device, upstream: ["hardware.device"], help: "Device: auto, cpu, cuda or mps",
                rule: .oneOf(["auto", "cpu", "cuda", "mps"])),
        Setting("dtype", \.dtype, upstream: ["hardware.dtype"], help: "Weights dtype: auto, float32, bfloat16 or float16",
                rule: .oneOf(["auto", "float32", "bfloat16", "float16"])),
        Setting("report_to", \.reportTo, upstream: ["training.report_to"],
                help: "Experiment trackers that receive the run's metrics: tensorboard, wandb, mlflow", rule: .each(of: TrackerReporter.names)),
    ]
}

/// Settings of a RAFT run given by one source (a file or the flags).
public typealias RAFTOverrides = Overrides<RAFTConfiguration>

extension RAFTConfiguration {
    /// Throws the first missing or out-of-range field, named by its YAML key; `source` is "raft.yaml" or "--flags".
    /// Each field's own rule is in `settings`; only the rules that join two fields are written here.
    public func validate(source: String) throws {
        if model.isEmpty {
            throw ConfigurationError(
                source: source, field: "model",
                message: "field 'model' is required: give --model (a folder, a Hugging Face id, or tiny/smollm2), or model / base_model / sft_checkpoint in --config")
        }
        try checkRules(source: source)
        // Written so that NaN fails it.
        if !(passRateLow >= 0 && passRateLow <= passRateHigh && passRateHigh <= 1) {
            throw ConfigurationError(
                source: source, field: "pass_rate_low",
                message: "field 'pass_rate_low' and pass_rate_high must satisfy 0 <= low <= high <= 1, got \(passRateLow) and \(passRateHigh)")
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

extension RAFTConfiguration {
    /// `base` (the verifier flags) with this run's verifier settings: its build host where `base`
    /// names none (reached as `remoteKind` with `sessions` at once), its SSH key, and running prompts
    /// that have no tests.
    public func verifier(_ base: VerifierConfiguration, remoteKind: RemoteHostKind, sessions: Int) -> VerifierConfiguration {
        var configuration = base
        if let host = verifierHost, configuration.remote == nil {
            configuration.remote = RemoteConfiguration(host: verifierUser.map { "\($0)@\(host)" } ?? host, kind: remoteKind)
            configuration.remote?.sessions = sessions
        }
        if let key = verifierSSHKey { configuration.remote?.sshArguments += ["-o", "IdentityFile=" + (key as NSString).expandingTildeInPath] }
        if runAfterCompile { configuration.runWithoutTests = true }
        return configuration
    }
}
