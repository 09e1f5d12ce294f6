import HaloForgeRAFT
import Testing

/// Settings given as flags named after their keys: the table reads and checks them, so every
/// setting has a flag and no flag is declared twice.
@Suite struct SettingFlagsTests {
    @Test func everyKeyIsAFlagWithItsValueAsWritten() throws {
        let o = try RAFTOverrides.parse(flags: [
            "--samples-per-prompt", "4", "--learning-rate=1e-4", "--dedupe", "false", "--dynamic-sampling",
            "--adapter", "runs/my #1: adapter", "--lora-target-modules", "[q_proj, v_proj]", "--threads", "2",
        ])
        let c = RAFTConfiguration().applying(o)
        #expect(c.samplesPerPrompt == 4 && c.learningRate == 1e-4 && c.threads == 2)
        #expect(c.dedupe == false && c.dynamicSampling == true, "a bare true/false flag is true; a value after it is read")
        #expect(c.adapter == "runs/my #1: adapter", "text is not read as YAML")
        #expect(c.loraTargetModules == ["q_proj", "v_proj"])
        #expect(o.cycles == nil, "flags not given leave the layer below alone")
        #expect(try SFTOverrides.parse(flags: ["--full", "--steps", "2"]).full == true)
    }

    @Test func errorsNameTheFlag() {
        let rule = #expect(throws: ConfigurationError.self) { try RAFTOverrides.parse(flags: ["--cycles", "0"]) }
        #expect(rule?.description == "--cycles 0: field 'cycles' must be at least 1, got 0")
        let typed = #expect(throws: ConfigurationError.self) { try RAFTOverrides.parse(flags: ["--top-p=fast"]) }
        #expect(typed?.description == "--top-p=fast: field 'top_p': expected a number, got \"fast\"")
        let unknown = #expect(throws: ConfigurationError.self) { try RAFTOverrides.parse(flags: ["--samples-per-promt", "4"]) }
        #expect(unknown?.description == "--samples-per-promt: unknown option '--samples-per-promt' (did you mean '--samples-per-prompt'?)")
        let missing = #expect(throws: ConfigurationError.self) { try RAFTOverrides.parse(flags: ["--cycles"]) }
        #expect(missing?.description == "--cycles: missing value for '--cycles' (a whole number)")
        let stray = #expect(throws: ConfigurationError.self) { try RAFTOverrides.parse(flags: ["4"]) }
        #expect(stray?.description == "4: unexpected argument '4'")
    }

    @Test func helpListsEverySettingWithItsDefault() {
        let lines = RAFTConfiguration.flagsHelp.split(separator: "\n")
        #expect(lines.count == RAFTConfiguration.settings.count)
        #expect(lines.contains("--cycles <a whole number>: Generate-filter-train cycles (default: 3)."))
        #expect(lines.contains { $0.hasPrefix("--dedupe [true|false]: ") })
    }
}
