import Foundation
@testable import HaloForgeRAFT
import Testing

/// The settings table drives every way in: a YAML file, `--set KEY=VALUE`, the config a run
/// stores and reads back on resume, validation and help. Each test walks every entry, so a new
/// row is covered here with no other edit.
struct SettingsTableTests {
    /// Every entry's example value, read as YAML, as `--set` and from a stored config, lands in
    /// the same field; the value differs from the default, so the field really was set.
    func everyEntryIsReachable<C: Configurable>(_: C.Type, with base: C) throws {
        for setting in C.settings {
            let yaml = "\(setting.key): \(setting.example)\n"
            let fromFile = base.applying(try Overrides<C>.parse(yaml: yaml, file: "settings.yaml"))
            let fromSet = base.applying(try Overrides<C>.parse(assignments: ["\(setting.key)=\(setting.example)"]))
            #expect(fromFile == fromSet, "\(setting.key): YAML and --set disagree")
            #expect(setting.render(fromFile) == setting.example, "\(setting.key): the example did not land in the field")
            #expect(fromFile != base, "\(setting.key): the example \(setting.example) equals the default")
            let stored = base.applying(try Overrides<C>.parse(yaml: fromFile.yaml, file: "run.sqlite"))
            #expect(stored == fromFile, "\(setting.key): the stored config reads back differently")
            // The example keeps the rule, so the layered settings still validate.
            try fromFile.checkRules(source: "--set")
            #expect(!setting.help.isEmpty, "\(setting.key): no help text")
            for name in setting.upstream {
                let nested = name.split(separator: ".").reversed().enumerated().reduce(setting.example) { text, part in
                    part.offset == 0 ? "\(part.element): \(text)" : "\(part.element):\n" + text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
                }
                let fromUpstream = base.applying(try Overrides<C>.parse(yaml: nested + "\n", file: "upstream.yaml"))
                #expect(fromUpstream == fromFile, "\(setting.key): upstream name \(name) sets another field")
            }
        }
    }

    @Test func everyRAFTSettingIsReachableFromYAMLSetAndTheStoredConfig() throws {
        var base = RAFTConfiguration()
        base.model = "models/m"
        try everyEntryIsReachable(RAFTConfiguration.self, with: base)
    }

    @Test func everySFTSettingIsReachableFromYAMLSetAndTheStoredConfig() throws {
        var base = SFTConfiguration()
        (base.model, base.data, base.output) = ("models/m", "train.jsonl", "out")
        try everyEntryIsReachable(SFTConfiguration.self, with: base)
    }

    /// Every rule is enforced the same way from a file and from `--set`, and the error names the
    /// assignment and the field in one line.
    @Test func setKeepsEachRuleAndNamesTheFlag() throws {
        let error = #expect(throws: ConfigurationError.self) { try RAFTOverrides.parse(assignments: ["cycles=0"]) }
        #expect(error?.description == "--set cycles=0: field 'cycles' must be at least 1, got 0")
        #expect(error?.field == "cycles")
        let typed = #expect(throws: ConfigurationError.self) { try RAFTOverrides.parse(assignments: ["top_p=fast"]) }
        #expect(typed?.description == "--set top_p=fast: field 'top_p': expected a number, got \"fast\"")
        let unknown = #expect(throws: ConfigurationError.self) { try RAFTOverrides.parse(assignments: ["samples-per-prompt=4"]) }
        #expect(unknown?.description == "--set samples-per-prompt=4: unknown setting 'samples-per-prompt' (did you mean 'samples_per_prompt'?)")
        let shape = #expect(throws: ConfigurationError.self) { try SFTOverrides.parse(assignments: ["rank"]) }
        #expect(shape?.description.hasPrefix("--set: 'rank': expected KEY=VALUE") == true)
        let list = #expect(throws: ConfigurationError.self) { try RAFTOverrides.parse(assignments: ["report_to=[wandb, comet]"]) }
        #expect(list?.description == "--set report_to=[wandb, comet]: field 'report_to' must list tensorboard, wandb or mlflow, got \"comet\"")
        for setting in RAFTConfiguration.settings where setting.ruleText != nil {
            #expect(throws: ConfigurationError.self, "\(setting.key) accepted a value its rule forbids") {
                // A value of the right type that no rule here accepts: below every minimum, outside every range and list.
                let bad = switch setting.kind {
                case "a whole number": "-1"
                case "a number": "-1"
                case "a list of names": setting.ruleText!.hasPrefix("must list") ? "[\"?\"]" : "[]"
                default: "\"\""
                }
                _ = try RAFTOverrides.parse(assignments: ["\(setting.key)=\(bad)"])
            }
        }
    }

    @Test func setAcceptsUpstreamNamesAndLaterValuesWin() throws {
        let set = try RAFTOverrides.parse(assignments: ["raft.samples_per_prompt=3", "lora.target_modules=[q_proj, v_proj]", "cycles=2", "cycles=5"])
        let c = RAFTConfiguration().applying(set)
        #expect(c.samplesPerPrompt == 3)
        #expect(c.loraTargetModules == ["q_proj", "v_proj"])
        #expect(c.cycles == 5)
        var flags = RAFTOverrides()
        flags.cycles = 4
        flags.seed = 9
        let merged = RAFTConfiguration().applying(flags.merging(set))
        #expect(merged.cycles == 5)
        #expect(merged.seed == 9)
    }

    @Test func helpComesFromTheTableWithTheDefault() {
        #expect(RAFTConfiguration.help("samples_per_prompt") == "Completions sampled per prompt each cycle (default: 8).")
        #expect(RAFTConfiguration.help("dataset") == "A built-in dataset name or a JSONL file of tasks (default: builtin-c).")
        #expect(RAFTConfiguration.help("adapter").hasSuffix("sft train`).") == true)
        #expect(SFTConfiguration.help("learning_rate") == "Peak learning rate, warmup then cosine decay (default: 0.0002).")
    }
}
