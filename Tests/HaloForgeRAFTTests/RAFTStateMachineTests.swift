@testable import HaloForgeRAFT
import Testing

/// The pure transition function: stored phases and facts in, the next action out. No store, no
/// model, no verifier.
struct RAFTStateMachineTests {
    typealias Machine = RAFTStateMachine
    static let ids = (0..<12).map { "p\($0)" }

    static func machine(_ change: (inout RAFTConfiguration) -> Void = { _ in }) -> Machine {
        Machine(configuration: fakeConfiguration(change), prompts: ids)
    }

    static func facts(_ phases: [Int: RunStore.Phase], evaluated: Set<Int> = [], _ current: Machine.CycleFacts? = nil) -> Machine.Facts {
        Machine.Facts(cycles: 2, phases: phases, evaluated: evaluated, current: current)
    }

    static func chunk(_ action: Machine.Action) -> Machine.GenerationChunk? {
        if case .generate(_, let chunk) = action { return chunk }
        return nil
    }

    @Test func aNewRunStartsItsFirstCycle() {
        #expect(Self.machine().next(Self.facts([:])) == .enter(cycle: 0, .generate))
    }

    /// 12 prompts × 16 samples, 128 rows per request: 8 prompts, then the other 4. A resume after
    /// the first request asks for the second with the seed the first try would have used.
    @Test func requestsAreChunksOfTheMissingPromptsWithSeedsOfTheirFirstPrompt() throws {
        let m = Self.machine()
        let first = try #require(Self.chunk(m.next(Self.facts([0: .generate], .init(cycle: 0)))))
        #expect(first.prompts == Array(Self.ids.prefix(8)) && first.n == 16 && first.seed == 7 && first.remaining == 12)
        let second = try #require(Self.chunk(m.next(Self.facts([0: .generate], .init(cycle: 0, sampled: Set(first.prompts))))))
        #expect(second.prompts == Array(Self.ids.suffix(4)) && second.seed == 7 + 8 && second.remaining == 4)
        let cycle1 = try #require(Self.chunk(m.next(Self.facts([0: .done, 1: .generate], evaluated: [0], .init(cycle: 1)))))
        #expect(cycle1.seed == 7 + 100_003)
    }

    @Test func aPromptAskedForInThisProcessIsNotAskedAgain() {
        let m = Self.machine()
        let asked = Set(Self.ids.prefix(8))
        let next = m.next(Self.facts([0: .generate], .init(cycle: 0, sampled: Set(Self.ids.prefix(7)), requested: asked)))
        #expect(Self.chunk(next)?.prompts == Array(Self.ids.suffix(4)))
    }

    /// From each stored phase, with every sample stored and verified, the step that phase leaves.
    @Test(arguments: [
        (RunStore.Phase.generate, Machine.Action.finishSampling(cycle: 0, .init(pool: 12, excluded: [], sampled: 12, withSignal: 0, rounds: 1))),
        (.verify, .enter(cycle: 0, .filter)),
        (.filter, .filter(cycle: 0)),
        (.train, .train(cycle: 0)),
        (.done, .evaluate(cycle: 0)),
    ])
    func eachStoredPhaseResumesWithItsStep(phase: RunStore.Phase, expected: Machine.Action) {
        let all = Machine.CycleFacts(cycle: phase == .done ? 1 : 0, sampled: Set(Self.ids))
        #expect(Self.machine().next(Self.facts([0: phase], all)) == expected)
    }

    @Test func unverifiedSamplesAreVerifiedBeforeTheFilter() {
        let m = Self.machine()
        let facts = Machine.CycleFacts(cycle: 0, sampled: Set(Self.ids), unverified: ["p3"])
        #expect(m.next(Self.facts([0: .verify], facts)) == .verify(cycle: 0))
        // Without a prompt policy, verification waits for the verify phase.
        #expect(m.next(Self.facts([0: .generate], facts)) == .finishSampling(cycle: 0, .init(pool: 12, excluded: [], sampled: 12, withSignal: 0, rounds: 1)))
    }

    @Test func finishedCyclesAreEvaluatedOnceEachInOrderThenTheRunIsDone() {
        let m = Self.machine()
        #expect(m.next(Self.facts([0: .done, 1: .done])) == .evaluate(cycle: 0))
        #expect(m.next(Self.facts([0: .done, 1: .done], evaluated: [0])) == .evaluate(cycle: 1))
        #expect(m.next(Self.facts([0: .done, 1: .done], evaluated: [0, 1])) == .done)
        #expect(m.next(Self.facts([0: .done], evaluated: [0])) == .enter(cycle: 1, .generate))
    }

    /// A prompt added between runs reopens a cycle that had moved on; its samples are verified,
    /// filtered and trained on with the others.
    @Test func aPromptAddedOnResumeReopensTheCycle() {
        let m = Self.machine()
        let facts = Machine.CycleFacts(cycle: 0, sampled: Set(Self.ids.prefix(11)))
        for phase in [RunStore.Phase.verify, .filter, .train] {
            #expect(m.next(Self.facts([0: phase], facts)) == .enter(cycle: 0, .generate))
        }
        #expect(Self.chunk(m.next(Self.facts([0: .generate], facts)))?.prompts == ["p11"])
        // A prompt back in the run whose samples were left unverified: verified, then filtered again.
        let back = Machine.CycleFacts(cycle: 0, sampled: Set(Self.ids), unverified: ["p11"])
        #expect(m.next(Self.facts([0: .train], back)) == .enter(cycle: 0, .verify))
        #expect(m.next(Self.facts([0: .verify], back)) == .verify(cycle: 0))
    }

    /// Samples of a prompt the run no longer has count for nothing: the cycle does not wait on them.
    @Test func aPromptRemovedOnResumeIsNotSampled() {
        let m = Machine(configuration: fakeConfiguration(), prompts: Array(Self.ids.prefix(10)))
        let facts = Machine.CycleFacts(cycle: 0, sampled: Set(Self.ids))
        #expect(m.next(Self.facts([0: .generate], facts)) == .finishSampling(cycle: 0, .init(pool: 10, excluded: [], sampled: 10, withSignal: 0, rounds: 1)))
    }

    /// Dynamic sampling, 2 prompts per cycle: the round's verdicts decide the refill.
    @Test func dynamicSamplingRefillsFromTheVerdicts() throws {
        let m = Self.machine {
            $0.dynamicSampling = true
            $0.promptsPerCycle = 2
            $0.dynamicSamplingRounds = 1
        }
        let first = try #require(Self.chunk(m.next(Self.facts([0: .generate], .init(cycle: 0)))))
        #expect(first.prompts.count == 2 && first.round == 0 && first.refill == nil)
        let sampled = Set(first.prompts)
        #expect(m.next(Self.facts([0: .generate], .init(cycle: 0, sampled: sampled, unverified: sampled))) == .verify(cycle: 0))
        // No signal: a quarter of the prompts is the floor rate, so 2 / 0.25 = 8 more.
        let none = first.prompts.reduce(into: [String: PromptPolicy.Past]()) { $0[$1] = .init(cycle: 0, samples: 16, passed: 0, signal: false) }
        let refill = try #require(Self.chunk(m.next(Self.facts([0: .generate], .init(cycle: 0, sampled: sampled, results: none)))))
        #expect(refill.round == 1 && refill.prompts.count == 8 && refill.refill == .init(withSignal: 0, sampled: 2, added: 8))
        let all = sampled.union(refill.prompts)
        #expect(m.next(Self.facts([0: .generate], .init(cycle: 0, sampled: all, results: none)))
            == .finishSampling(cycle: 0, .init(pool: 12, excluded: [], sampled: 10, withSignal: 0, rounds: 2)))
        // Both with signal: nothing to refill.
        let both = first.prompts.reduce(into: [String: PromptPolicy.Past]()) { $0[$1] = .init(cycle: 0, samples: 16, passed: 8, signal: true) }
        #expect(m.next(Self.facts([0: .generate], .init(cycle: 0, sampled: sampled, results: both)))
            == .finishSampling(cycle: 0, .init(pool: 12, excluded: [], sampled: 2, withSignal: 2, rounds: 1)))
    }

    /// Prompts whose last cycle had signal get their larger budget in requests of their own.
    @Test func signalBudgetsGroupRequestsByN() throws {
        let m = Self.machine { $0.signalSamplesPerPrompt = 32 }
        let history = ["p1": [PromptPolicy.Past(cycle: 0, samples: 16, passed: 8, signal: true)]]
        let first = try #require(Self.chunk(m.next(Self.facts([0: .done, 1: .generate], evaluated: [0], .init(cycle: 1, history: history)))))
        #expect(first.n == 16 && first.prompts == ["p0", "p2", "p3", "p4", "p5", "p6", "p7", "p8"])
        let sampled = Set(first.prompts + ["p9", "p10", "p11"])
        let wide = try #require(Self.chunk(m.next(Self.facts([0: .done, 1: .generate], evaluated: [0], .init(cycle: 1, sampled: sampled, history: history)))))
        #expect(wide.n == 32 && wide.prompts == ["p1"] && wide.seed == 7 + 100_003 + 1)
    }

    /// The pass-rate window leaves out prompts that always fail, and says which.
    @Test func thePassRateWindowExcludesPromptsFromThePool() {
        let m = Self.machine { $0.curriculumStrategy = "pass_rate_window" }
        let failing = ["p0": [PromptPolicy.Past(cycle: 0, samples: 16, passed: 0, signal: false)]]
        let facts = Machine.CycleFacts(cycle: 1, sampled: Set(Self.ids.dropFirst()), history: failing)
        #expect(m.next(Self.facts([0: .done, 1: .generate], evaluated: [0], facts))
            == .finishSampling(cycle: 1, .init(pool: 11, excluded: ["p0"], sampled: 11, withSignal: 0, rounds: 1)))
    }
}
