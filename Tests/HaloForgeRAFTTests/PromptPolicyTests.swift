@testable import HaloForgeRAFT
import Testing

/// The default keep rule, dynamic sampling, the pass-rate window and per-prompt budgets.
struct PromptPolicyTests {
    static func prompt(_ id: String, _ rewards: [Double], tested: Bool = true) -> [Candidate] {
        rewards.enumerated().map { Candidate(promptID: id, index: $0, completion: "\(id)-\($0)", reward: $1, tested: tested) }
    }

    static func config(_ change: (inout RAFTConfiguration) -> Void = { _ in }) -> RAFTConfiguration {
        var c = RAFTConfiguration()
        c.minKept = 0
        change(&c)
        return c
    }

    @Test func defaultKeepsOnlyPassingSamplesOfTestedPrompts() {
        // MBPP-like cycle: most samples compile (0.5) or run (0.7) but fail the tests.
        let candidates = Self.prompt("a", [0.5, 1.0, 0.7, 0.3]) + Self.prompt("b", [0.5, 0.5, 0.7, 0.3])
        let (kept, report) = SampleFilter.select(candidates, Self.config())
        #expect(kept.map(\.completion) == ["a-1"])
        #expect(report.belowThreshold == 7)
        // The old 0.5 threshold would have trained on five wrong samples as well.
        let (old, _) = SampleFilter.select(candidates, Self.config { $0.rewardThreshold = 0.5 })
        #expect(old.count == 6)
    }

    @Test func defaultKeepsTheBestRungOfUntestedPromptsAboveTheFloor() {
        let candidates = Self.prompt("runs", [0.5, 0.7, 0.7, 0.0], tested: false) + Self.prompt("warns", [0.3, 0.3, 0.0], tested: false)
        let (kept, _) = SampleFilter.select(candidates, Self.config())
        // The 0.3 "warnings" rung is below the floor: it does not even build.
        #expect(kept.map(\.completion) == ["runs-1", "runs-2"])
        #expect(SampleFilter.bar(Self.prompt("x", [0.3], tested: false), Self.config()) == 0.5)
    }

    @Test func dynamicSamplingDropsPromptsWithoutSignal() {
        let candidates = Self.prompt("allPass", [1, 1, 1]) + Self.prompt("allFail", [0.5, 0, 0.7]) + Self.prompt("mixed", [1, 0.5, 0])
        let c = Self.config { $0.dynamicSampling = true; $0.rewardThreshold = 0.5 }
        let (kept, report) = SampleFilter.select(candidates, c)
        #expect(kept.map(\.promptID) == ["allFail", "allFail", "mixed", "mixed"])
        #expect(report.droppedUniformPrompts == 1)  // allFail has samples above 0.5: signal under the threshold rule
        let byDefault = SampleFilter.select(candidates, Self.config { $0.dynamicSampling = true })
        #expect(byDefault.kept.map(\.completion) == ["mixed-0"])
        #expect(byDefault.report.droppedUniformPrompts == 2)
        #expect(!SampleFilter.hasSignal(Self.prompt("p", [1, 1]), Self.config()))
        #expect(!SampleFilter.hasSignal(Self.prompt("p", [0.7, 0]), Self.config()))
        #expect(SampleFilter.hasSignal(Self.prompt("p", [1, 0]), Self.config()))
    }

    @Test func refillReplacesPromptsWithoutSignalAndIsBounded() {
        let order = (0..<20).map { "p\($0)" }
        // 2 of 8 with signal, target 8: six short at a 25 % signal rate → 24 wanted, 12 left.
        let more = PromptPolicy.refill(order: order, chosen: Array(order.prefix(8)), withSignal: 2, target: 8)
        #expect(more == Array(order[8..<20]))
        // Half had signal: 2 short → 4 more, the next ones in order.
        #expect(PromptPolicy.refill(order: order, chosen: Array(order.prefix(8)), withSignal: 4, target: 6) == ["p8", "p9", "p10", "p11"])
        #expect(PromptPolicy.refill(order: order, chosen: Array(order.prefix(8)), withSignal: 8, target: 8).isEmpty)
        #expect(PromptPolicy.refill(order: order, chosen: order, withSignal: 0, target: 8).isEmpty)
    }

    @Test func passRateWindowRemovesSolvedAndHopelessPromptsAndLetsThemBack() {
        let c = Self.config { $0.curriculumStrategy = "pass_rate_window"; $0.passRateLow = 0.1; $0.passRateHigh = 0.9; $0.passRateWindow = 2 }
        let ids = ["solved", "hopeless", "learning", "new"]
        var history: [String: [PromptPolicy.Past]] = [:]
        for (id, past) in PromptPolicy.summarize(cycle: 0, Self.prompt("solved", [1, 1, 1, 1]) + Self.prompt("hopeless", [0, 0.5, 0, 0])
            + Self.prompt("learning", [1, 0, 0, 0.5]), c) {
            history[id, default: []].append(past)
        }
        let (pool, excluded) = PromptPolicy.pool(ids, history: history, cycle: 1, c)
        #expect(pool == ["learning", "new"])
        #expect(excluded == ["solved", "hopeless"])
        // Cycle 0 is still in a 2-cycle window at cycle 2, and out of it at cycle 3: they return.
        #expect(PromptPolicy.pool(ids, history: history, cycle: 2, c).excluded == ["solved", "hopeless"])
        #expect(PromptPolicy.pool(ids, history: history, cycle: 3, c).pool == ids)
        // Off by default; never empties the pool.
        #expect(PromptPolicy.pool(ids, history: history, cycle: 1, Self.config()).pool == ids)
        #expect(PromptPolicy.pool(["solved"], history: history, cycle: 1, c).pool == ["solved"])
    }

    @Test func budgetsGiveMoreSamplesToPromptsWithSignal() {
        let c = Self.config { $0.samplesPerPrompt = 4; $0.signalSamplesPerPrompt = 12 }
        let history = PromptPolicy.summarize(cycle: 0, Self.prompt("mixed", [1, 0]) + Self.prompt("flat", [0, 0]), c).mapValues { [$0] }
        #expect(PromptPolicy.budget("mixed", history: history, c) == 12)
        #expect(PromptPolicy.budget("flat", history: history, c) == 4)
        #expect(PromptPolicy.budget("unseen", history: history, c) == 4)
        #expect(PromptPolicy.budget("mixed", history: history, Self.config()) == 8)
    }

    @Test func orderIsASeededShufflePerCycleOnlyWhenSamplingAPart() {
        let ids = (0..<30).map { "t\($0)" }
        #expect(PromptPolicy.order(ids, cycle: 0, Self.config()) == ids)
        let c = Self.config { $0.promptsPerCycle = 10 }
        let a = PromptPolicy.order(ids, cycle: 0, c), b = PromptPolicy.order(ids, cycle: 1, c)
        #expect(a == PromptPolicy.order(ids, cycle: 0, c))
        #expect(a != b && Set(a) == Set(ids))
    }

    @Test func settingsParseAndValidate() throws {
        let yaml = """
            dynamic_sampling: true
            dynamic_sampling_rounds: 3
            prompts_per_cycle: 16
            raft:
              curriculum_strategy: pass_rate_window
              keep_top_percent: 0.5
            pass_rate_low: 0.05
            pass_rate_high: 0.95
            signal_samples_per_prompt: 8
            """
        let c = RAFTConfiguration().applying(try RAFTOverrides.parse(yaml: yaml, file: "raft.yaml"))
        #expect(c.dynamicSampling && c.dynamicSamplingRounds == 3 && c.promptsPerCycle == 16)
        #expect(c.curriculumStrategy == "pass_rate_window" && c.keepFraction == 0.5 && c.signalSamplesPerPrompt == 8)
        #expect(c.rewardThreshold == nil)
        var bad = c
        bad.model = "tiny"
        bad.curriculumStrategy = "easy_first"
        #expect(throws: ConfigurationError.self) { try bad.validate(source: "raft.yaml") }
        bad.curriculumStrategy = "none"
        bad.passRateLow = 0.9
        bad.passRateHigh = 0.1
        let error = #expect(throws: ConfigurationError.self) { try bad.validate(source: "raft.yaml") }
        #expect(error?.field == "pass_rate_low")
        #expect(c.yaml.contains("reward_threshold: null\n"))
    }
}
