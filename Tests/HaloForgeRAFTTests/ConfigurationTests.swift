import Foundation
@testable import HaloForgeRAFT
import Testing

/// Parsing raft.yaml, layering sources, validation, the recorded YAML, and the schedules.
struct ConfigurationTests {
    static let fullYAML = """
        # every field, none at its default
        model: models/qwen-0.5b
        adapter: runs/old/adapter
        dataset: tasks.jsonl
        prompts: data/prompts.jsonl
        verifier: mingw
        cycles: 5
        samples_per_prompt: 4
        temperature: 0.9
        temperature_end: 0.3
        top_p: .5
        max_new_tokens: 512
        reward_threshold: 0.75
        keep_top_k: 2
        keep_fraction: 0.25
        dedupe: no
        drop_uniform_prompts: yes
        min_kept: 3
        learning_rate: 1e-4
        learning_rate_decay: 0.5
        train_mode: full
        lora_rank: 8
        steps_per_cycle: 20
        batch_tokens: 2048
        seed: 42
        threads: 4
        """

    @Test func parsesEveryField() throws {
        let o = try RAFTOverrides.parse(yaml: Self.fullYAML, file: "raft.yaml")
        let c = RAFTConfiguration().applying(o)
        #expect(c.model == "models/qwen-0.5b")
        #expect(c.adapter == "runs/old/adapter")
        #expect(c.dataset == "tasks.jsonl")
        #expect(c.prompts == "data/prompts.jsonl")
        #expect(c.verifier == "mingw")
        #expect(c.cycles == 5)
        #expect(c.samplesPerPrompt == 4)
        #expect(c.temperature == 0.9)
        #expect(c.temperatureEnd == 0.3)
        #expect(c.topP == 0.5)
        #expect(c.maxNewTokens == 512)
        #expect(c.rewardThreshold == 0.75)
        #expect(c.keepTopK == 2)
        #expect(c.keepFraction == 0.25)
        #expect(c.dedupe == false)
        #expect(c.dropUniformPrompts == true)
        #expect(c.minKept == 3)
        #expect(c.learningRate == 1e-4)
        #expect(c.learningRateDecay == 0.5)
        #expect(c.trainMode == "full")
        #expect(c.loraRank == 8)
        #expect(c.stepsPerCycle == 20)
        #expect(c.batchTokens == 2048)
        #expect(c.seed == 42)
        #expect(c.threads == 4)
        try c.validate(source: "raft.yaml")
    }

    @Test func scientificNotationIsANumber() throws {
        // YAML 1.1 resolves these as strings; they must still read as numbers.
        let o = try RAFTOverrides.parse(
            yaml: "learning_rate: 5e-5\nreward_threshold: 2E-3\ntemperature: 1.5e+0\n", file: "raft.yaml")
        #expect(o.learningRate == 5e-5)
        #expect(o.rewardThreshold == 2e-3)
        #expect(o.temperature == 1.5)
    }

    @Test func wholeNumbersAcceptATrailingPointZero() throws {
        #expect(try RAFTOverrides.parse(yaml: "samples_per_prompt: 8.0", file: "raft.yaml").samplesPerPrompt == 8)
        let error = #expect(throws: ConfigurationError.self) {
            try RAFTOverrides.parse(yaml: "samples_per_prompt: 8.5", file: "raft.yaml")
        }
        #expect(error?.description == "raft.yaml: line 1: field 'samples_per_prompt': expected a whole number, got 8.5")
    }

    @Test func nullLeavesFieldsUnset() throws {
        let o = try RAFTOverrides.parse(yaml: "adapter: null\ncycles: ~\nkeep_top_k:\n", file: "raft.yaml")
        #expect(o == RAFTOverrides())
        #expect(try RAFTOverrides.parse(yaml: "# nothing yet\n", file: "raft.yaml") == RAFTOverrides())
    }

    @Test func flagsBeatFileBeatsDefaults() throws {
        let file = try RAFTOverrides.parse(yaml: "cycles: 5\nlearning_rate: 1e-4\n", file: "raft.yaml")
        var flags = RAFTOverrides()
        flags.cycles = 7
        let c = RAFTConfiguration().applying(file).applying(flags)
        #expect(c.cycles == 7)
        // The flag for learning rate was not given, so the file's value stands (the 1.3.0 bug).
        #expect(c.learningRate == 1e-4)
        #expect(c.samplesPerPrompt == RAFTConfiguration().samplesPerPrompt)
        #expect(RAFTConfiguration().applying(RAFTOverrides()) == RAFTConfiguration())
    }

    @Test func unknownFieldSuggestsTheClosestKey() {
        let error = #expect(throws: ConfigurationError.self) {
            try RAFTOverrides.parse(yaml: "cycles: 2\nlerning_rate: 1e-4\n", file: "raft.yaml")
        }
        #expect(error?.description == "raft.yaml: line 2: unknown field 'lerning_rate' (did you mean 'learning_rate'?)")
        #expect(error?.field == "lerning_rate")
        #expect(RAFTOverrides.suggestion(for: "samplesPerPrompt") == "samples_per_prompt")
        #expect(RAFTOverrides.suggestion(for: "top-p") == "top_p")
        #expect(RAFTOverrides.suggestion(for: "banana") == nil)
    }

    @Test func wrongTypeNamesFieldAndLine() {
        let yaml = "model: tiny\ncycles: 2\ndedupe: true\nlearning_rate: fast\n"
        let error = #expect(throws: ConfigurationError.self) {
            try RAFTOverrides.parse(yaml: yaml, file: "raft.yaml")
        }
        #expect(error?.description == "raft.yaml: line 4: field 'learning_rate': expected a number, got \"fast\"")
        #expect(error?.line == 4)

        let boolError = #expect(throws: ConfigurationError.self) {
            try RAFTOverrides.parse(yaml: "dedupe: maybe", file: "raft.yaml")
        }
        #expect(boolError?.description == "raft.yaml: line 1: field 'dedupe': expected true or false, got \"maybe\"")

        let listError = #expect(throws: ConfigurationError.self) {
            try RAFTOverrides.parse(yaml: "cycles:\n  - 1\n  - 2\n", file: "raft.yaml")
        }
        #expect(listError?.field == "cycles")
        #expect(listError?.message == "field 'cycles': expected a whole number, got a list")
    }

    @Test func topLevelMustBeAMapping() {
        let error = #expect(throws: ConfigurationError.self) {
            try RAFTOverrides.parse(yaml: "- cycles\n- 3\n", file: "raft.yaml")
        }
        #expect(error?.description == "raft.yaml: line 1: expected a mapping of settings at the top level, got a list")
    }

    @Test func brokenYAMLAndDuplicateKeysReportALine() {
        let syntax = #expect(throws: ConfigurationError.self) {
            try RAFTOverrides.parse(yaml: "cycles: 2\nmodel: [tiny\n", file: "raft.yaml")
        }
        #expect(syntax?.line != nil)
        #expect(syntax?.description.hasPrefix("raft.yaml: line ") == true)

        let duplicate = #expect(throws: ConfigurationError.self) {
            try RAFTOverrides.parse(yaml: "cycles: 2\ncycles: 3\n", file: "raft.yaml")
        }
        #expect(duplicate?.field == "cycles")
    }

    @Test func defaultsWithAModelAreValid() throws {
        var c = RAFTConfiguration()
        c.model = "models/m"
        try c.validate(source: "--flags")
    }

    @Test func noModelIsAnErrorNotATinyModel() {
        let error = #expect(throws: ConfigurationError.self) { try RAFTConfiguration().validate(source: "--flags") }
        #expect(error?.field == "model")
        #expect(error?.description.hasPrefix("--flags: field 'model' is required: give --model") == true)
    }

    static func broken(_ change: (inout RAFTConfiguration) -> Void) -> RAFTConfiguration {
        var c = RAFTConfiguration()
        c.model = "models/m"
        change(&c)
        return c
    }

    @Test(arguments: [
        ("cycles", broken { $0.cycles = 0 }),
        ("samples_per_prompt", broken { $0.samplesPerPrompt = 0 }),
        ("temperature", broken { $0.temperature = -0.1 }),
        ("temperature_end", broken { $0.temperatureEnd = -1 }),
        ("top_p", broken { $0.topP = 0 }),
        ("top_p", broken { $0.topP = 1.01 }),
        ("max_new_tokens", broken { $0.maxNewTokens = 0 }),
        ("reward_threshold", broken { $0.rewardThreshold = 1.5 }),
        ("reward_threshold", broken { $0.rewardThreshold = .nan }),
        ("keep_top_k", broken { $0.keepTopK = 0 }),
        ("keep_fraction", broken { $0.keepFraction = 0 }),
        ("keep_fraction", broken { $0.keepFraction = 1.5 }),
        ("min_kept", broken { $0.minKept = -1 }),
        ("learning_rate", broken { $0.learningRate = 0 }),
        ("learning_rate_decay", broken { $0.learningRateDecay = 0 }),
        ("learning_rate_decay", broken { $0.learningRateDecay = 1.1 }),
        ("train_mode", broken { $0.trainMode = "qlora" }),
        ("lora_rank", broken { $0.loraRank = 0 }),
        ("steps_per_cycle", broken { $0.stepsPerCycle = 0 }),
        ("batch_tokens", broken { $0.batchTokens = 63 }),
        ("threads", broken { $0.threads = 0 }),
    ])
    func validationNamesTheField(key: String, config: RAFTConfiguration) {
        let error = #expect(throws: ConfigurationError.self) { try config.validate(source: "raft.yaml") }
        #expect(error?.field == key)
        #expect(error?.description.hasPrefix("raft.yaml: field '\(key)' must be") == true)
    }

    @Test func validationMessageReadsAsOneLine() {
        var c = RAFTConfiguration()
        c.model = "models/m"
        c.cycles = 0
        let error = #expect(throws: ConfigurationError.self) { try c.validate(source: "--flags") }
        #expect(error?.description == "--flags: field 'cycles' must be at least 1, got 0")
    }

    @Test func yamlRoundTrips() throws {
        #expect(try RAFTConfiguration().applying(.parse(yaml: RAFTConfiguration().yaml, file: "run.yaml")) == RAFTConfiguration())

        let full = RAFTConfiguration().applying(try .parse(yaml: Self.fullYAML, file: "raft.yaml"))
        #expect(try RAFTConfiguration().applying(.parse(yaml: full.yaml, file: "run.yaml")) == full)

        var odd = RAFTConfiguration()
        odd.model = "C:\\models\\\"quoted\": yes # not a comment\n"
        odd.dataset = "true"
        odd.learningRate = 5e-5
        odd.temperature = 0.1 + 0.2
        #expect(try RAFTConfiguration().applying(.parse(yaml: odd.yaml, file: "run.yaml")) == odd)
    }

    @Test func yamlListsEveryKeyInOrder() {
        let keys = RAFTConfiguration().yaml.split(separator: "\n").map { String($0.prefix { $0 != ":" }) }
        #expect(keys == RAFTOverrides.keys)
        #expect(RAFTConfiguration().yaml.contains("adapter: null\n"))
    }
}

/// halo-forge's upstream nested configs beside the flat keys, and the layering of sources.
struct NestedConfigurationTests {
    static let upstream = """
        base_model: Qwen/Qwen2.5-Coder-0.5B
        sft_checkpoint: models/sft/final_model
        prompts: data/prompts.jsonl
        output_dir: models/raft
        num_cycles: 5
        raft:
          samples_per_prompt: 4
          reward_threshold: 0.3
          keep_top_percent: 0.25
          min_samples: 6
          lr_decay_per_cycle: 0.5
        generation:
          max_new_tokens: 512
          temperature: 0.9
          top_p: 0.8
          batch_size: 4
        training:
          learning_rate: 1e-4
          gradient_accumulation_steps: 8
          warmup_steps: 3
          epochs: 2
        lora:
          r: 8
          alpha: 24
          dropout: 0.1
          target_modules: [q_proj, v_proj]
        verifier:
          type: msvc
          host: 10.0.0.5
          user: builder
          ssh_key: ~/.ssh/win
          run_after_compile: true
        hardware:
          threads: 6
          device: cpu
          dtype: float32
        """

    @Test func everyUpstreamKeySetsItsField() throws {
        let c = RAFTConfiguration().applying(try RAFTOverrides.parse(yaml: Self.upstream, file: "raft.yaml"))
        #expect(c.model == "Qwen/Qwen2.5-Coder-0.5B")
        #expect(c.checkpoint == "models/sft/final_model")
        #expect(c.prompts == "data/prompts.jsonl")
        #expect(c.output == "models/raft")
        #expect(c.cycles == 5)
        #expect(c.samplesPerPrompt == 4)
        #expect(c.rewardThreshold == 0.3)
        #expect(c.keepFraction == 0.25)
        #expect(c.minKept == 6)
        #expect(c.learningRateDecay == 0.5)
        #expect(c.maxNewTokens == 512)
        #expect(c.temperature == 0.9)
        #expect(c.topP == 0.8)
        #expect(c.generationBatchSize == 4)
        #expect(c.learningRate == 1e-4)
        #expect(c.gradAccum == 8)
        #expect(c.warmupSteps == 3)
        #expect(c.epochsPerCycle == 2)
        #expect(c.loraRank == 8)
        #expect(c.loraAlpha == 24)
        #expect(c.loraDropout == 0.1)
        #expect(c.loraTargetModules == ["q_proj", "v_proj"])
        #expect(c.verifier == "msvc")
        #expect(c.verifierHost == "10.0.0.5")
        #expect(c.verifierUser == "builder")
        #expect(c.verifierSSHKey == "~/.ssh/win")
        #expect(c.runAfterCompile == true)
        #expect(c.threads == 6)
        #expect(c.device == "cpu")
        #expect(c.dtype == "float32")
        try c.validate(source: "raft.yaml")
        // The recorded flat YAML reads back to the same settings.
        #expect(try RAFTConfiguration().applying(.parse(yaml: c.yaml, file: "run.yaml")) == c)
    }

    @Test func aKeyWithNoMeaningIsNamedWithItsLine() {
        let unknown = #expect(throws: ConfigurationError.self) {
            try RAFTOverrides.parse(yaml: "raft:\n  samples_per_prompt: 4\nhardware:\n  bf16: true\n", file: "raft.yaml")
        }
        #expect(unknown?.description == "raft.yaml: line 4: unknown field 'hardware.bf16': it has no meaning here (see `halo-forge config keys`)")
        #expect(unknown?.field == "hardware.bf16")
        let typo = #expect(throws: ConfigurationError.self) {
            try RAFTOverrides.parse(yaml: "generation:\n  max_new_token: 8\n", file: "raft.yaml")
        }
        #expect(typo?.description == "raft.yaml: line 2: unknown field 'generation.max_new_token' (did you mean 'generation.max_new_tokens'?)")
        let section = #expect(throws: ConfigurationError.self) {
            try RAFTOverrides.parse(yaml: "raft: 3\n", file: "raft.yaml")
        }
        #expect(section?.description == "raft.yaml: line 1: field 'raft': expected a section of settings, got 3")
    }

    @Test func oneSettingGivenTwiceIsAnError() {
        let error = #expect(throws: ConfigurationError.self) {
            try RAFTOverrides.parse(yaml: "cycles: 2\nraft:\n  num_cycles: 3\n", file: "raft.yaml")
        }
        #expect(error?.description == "raft.yaml: line 3: field 'raft.num_cycles' sets 'cycles' again (already set by 'cycles' on line 1)")
    }

    @Test func flagsBeatTheFileAndTheFileBeatsTheDefaults() throws {
        let file = try RAFTOverrides.parse(yaml: Self.upstream, file: "raft.yaml")
        var flags = RAFTOverrides()
        flags.cycles = 2
        flags.adapter = nil  // a flag not given
        flags.checkpoint = nil
        flags.keepTopK = 3
        let c = RAFTConfiguration().applying(file).applying(flags)
        #expect(c.cycles == 2)
        #expect(c.checkpoint == "models/sft/final_model", "an optional flag not given leaves the file's value")
        #expect(c.keepTopK == 3)
        #expect(c.samplesPerPrompt == 4)
        #expect(c.seed == RAFTConfiguration().seed)
        #expect(flags.checkpoint == nil && flags.keepTopK == 3)
    }

    @Test func upstreamSFTConfigReadsWithItsModelSection() throws {
        let yaml = """
            model:
              name: Qwen/Qwen2.5-Coder-7B
            data:
              train_file: data/train.jsonl
              validation_split: 0.05
              max_seq_length: 2048
            lora:
              r: 16
              alpha: 32
            training:
              output_dir: models/sft
              num_train_epochs: 3
              learning_rate: 2e-4
              gradient_accumulation_steps: 16
            """
        let c = SFTConfiguration().applying(try SFTOverrides.parse(yaml: yaml, file: "sft.yaml"))
        #expect(c.model == "Qwen/Qwen2.5-Coder-7B")
        #expect(c.data == "data/train.jsonl")
        #expect(c.evalFraction == 0.05)
        #expect(c.maxLength == 2048)
        #expect(c.alpha == 32)
        #expect(c.output == "models/sft")
        #expect(c.epochs == 3)
        #expect(c.gradAccum == 16)
        try c.validate(source: "sft.yaml")
        // The flat form, as the flags are named, works too.
        let flat = SFTConfiguration().applying(try SFTOverrides.parse(yaml: "model: tiny\nrank: 4\n", file: "sft.yaml"))
        #expect(flat.model == "tiny" && flat.rank == 4)
        let missing = #expect(throws: ConfigurationError.self) { try SFTConfiguration().validate(source: "--flags") }
        #expect(missing?.field == "model")
    }

    @Test func aCheckpointAdapterNamesItsBaseModel() throws {
        let folder = FileManager.default.temporaryDirectory.path + "/hf-checkpoint-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try #"{"base_model_name_or_path": "models/base", "r": 8}"#.write(toFile: folder + "/adapter_config.json", atomically: true, encoding: .utf8)
        var c = RAFTConfiguration()
        c.checkpoint = folder
        let resolved = try c.resolvingCheckpoint(source: "--flags")
        #expect(resolved.model == "models/base")
        #expect(resolved.adapter == folder)
        c.model = "models/other"
        #expect(try c.resolvingCheckpoint(source: "--flags").model == "models/other", "--model wins over the adapter's base")
        c.checkpoint = folder + "/missing"
        let error = #expect(throws: ConfigurationError.self) { try c.resolvingCheckpoint(source: "--flags") }
        #expect(error?.field == "checkpoint")
    }
}

/// Learning-rate decay and the temperature ramp.
struct ScheduleTests {
    @Test func learningRateDecaysPerCycle() {
        var c = RAFTConfiguration()
        c.learningRate = 1e-4
        c.learningRateDecay = 0.5
        #expect(Schedule.learningRate(c, cycle: 0) == 1e-4)
        #expect(Schedule.learningRate(c, cycle: 1) == 5e-5)
        #expect(Schedule.learningRate(c, cycle: 3) == 1.25e-5)
    }

    @Test func temperatureRampsLinearly() {
        var c = RAFTConfiguration()
        c.cycles = 5
        c.temperature = 1.0
        c.temperatureEnd = 0.2
        let ramp = (0..<5).map { Schedule.temperature(c, cycle: $0) }
        let expected = [1.0, 0.8, 0.6, 0.4, 0.2]
        #expect(zip(ramp, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(ramp.first == 1.0)
        #expect(ramp.last == 0.2)
    }

    @Test func temperatureIsConstantWithoutAnEndOrWithOneCycle() {
        var c = RAFTConfiguration()
        c.temperature = 0.7
        #expect(Schedule.temperature(c, cycle: 2) == 0.7)
        c.temperatureEnd = 0.1
        c.cycles = 1
        #expect(Schedule.temperature(c, cycle: 0) == 0.7)
    }
}
