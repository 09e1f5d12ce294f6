@testable import HaloForgeRAFT
import Testing

/// Per-prompt selection of the samples to train on.
struct FilterTests {
    /// Samples for one prompt with the given rewards; completions are distinct unless given.
    static func prompt(_ id: String, _ rewards: [Double], completions: [String]? = nil) -> [Candidate] {
        rewards.enumerated().map { i, reward in
            Candidate(promptID: id, index: i, completion: completions?[i] ?? "\(id)-\(i)", reward: reward)
        }
    }

    static func config(_ change: (inout RAFTConfiguration) -> Void = { _ in }) -> RAFTConfiguration {
        var c = RAFTConfiguration()
        c.minKept = 0
        // These cases test the plain threshold rule; the default rule has its own tests.
        c.rewardThreshold = 0.5
        change(&c)
        return c
    }

    @Test func keepsRewardsAtOrAboveThreshold() {
        let (kept, report) = SampleFilter.select(Self.prompt("a", [0.9, 0.5, 0.49, 0]), Self.config())
        #expect(kept.map(\.reward) == [0.9, 0.5])
        #expect(report == FilterReport(considered: 4, belowThreshold: 2, kept: 2))
    }

    /// A resumed run reads the kept flags back from the store: put in training order, they are
    /// what `select` returned, in its order (safeguard additions included).
    @Test(arguments: [0.5, 1.0, 0.95]) func keptFlagsReadBackInTheFiltersOrder(threshold: Double) {
        let candidates = Self.prompt("b", [0.5, 1.0, 0.0, 0.5, 1.0]) + Self.prompt("a", [0.7, 0.0, 1.0]) + Self.prompt("c", [0, 0, 0.3])
        let (kept, _) = SampleFilter.select(candidates, Self.config { $0.rewardThreshold = threshold; $0.minKept = 5 })
        let flags = Set(kept.map { "\($0.promptID)#\($0.index)" })
        #expect(SampleFilter.inTrainingOrder(candidates) { flags.contains("\($0.promptID)#\($0.index)") } == kept)
    }

    @Test func earlyPromptsDoNotCrowdOutLaterOnes() {
        // halo-forge 1.3.0 sorted all samples globally and kept the top 50%: prompt "easy"
        // filled every slot and "hard" was never trained on.
        let candidates = Self.prompt("easy", Array(repeating: 1.0, count: 8)) + Self.prompt("hard", Array(repeating: 0.6, count: 8))
        let (kept, report) = SampleFilter.select(candidates, Self.config { $0.keepFraction = 0.5 })
        #expect(kept.filter { $0.promptID == "easy" }.count == 4)
        #expect(kept.filter { $0.promptID == "hard" }.count == 4)
        #expect(report.trimmedByTopK == 8)

        let (topTwo, _) = SampleFilter.select(candidates, Self.config { $0.keepTopK = 2 })
        #expect(topTwo.map(\.promptID) == ["easy", "easy", "hard", "hard"])
    }

    @Test func dedupeKeepsTheBestCopy() {
        let candidates = Self.prompt("a", [0.6, 0.9, 0.8, 0.7], completions: ["x\n", "x  ", "y", "x"])
        let (kept, report) = SampleFilter.select(candidates, Self.config())
        #expect(kept.map(\.index) == [1, 2])
        #expect(report.duplicates == 2)

        let (all, noDedupe) = SampleFilter.select(candidates, Self.config { $0.dedupe = false })
        #expect(all.count == 4)
        #expect(noDedupe.duplicates == 0)
    }

    @Test func topKAndFractionArePerPrompt() {
        let ten = Self.prompt("a", (0..<10).map { 1.0 - Double($0) * 0.01 })
        // 0.3 × 10 is 3.0000000000000004 in floating point; it must keep 3, not 4.
        #expect(SampleFilter.select(ten, Self.config { $0.keepFraction = 0.3 }).kept.count == 3)
        #expect(SampleFilter.select(ten, Self.config { $0.keepFraction = 0.25 }).kept.count == 3)
        #expect(SampleFilter.select(ten, Self.config { $0.keepFraction = 0.01 }).kept.count == 1)
        let both = SampleFilter.select(ten, Self.config { $0.keepFraction = 0.5; $0.keepTopK = 2 })
        #expect(both.kept.map(\.index) == [0, 1])
        #expect(both.report.trimmedByTopK == 8)
        #expect(SampleFilter.keepLimit(0, Self.config { $0.keepFraction = 0.5 }) == 0)
    }

    @Test func dropsUniformPromptsWhenAsked() {
        let candidates = Self.prompt("solved", [1, 1, 1]) + Self.prompt("hopeless", [0.1, 0, 0.2])
            + Self.prompt("useful", [1, 0.2, 0.7])
        let (kept, report) = SampleFilter.select(candidates, Self.config { $0.dropUniformPrompts = true })
        #expect(kept.map(\.promptID) == ["useful", "useful"])
        #expect(report.droppedUniformPrompts == 2)
        #expect(report.belowThreshold == 1)

        let (keptAll, plain) = SampleFilter.select(candidates, Self.config())
        #expect(keptAll.count == 5)
        #expect(plain.droppedUniformPrompts == 0)
    }

    @Test func minKeptSafeguardAddsBestRemainingAndSaysSo() {
        let candidates = Self.prompt("a", [0.3, 0, 0.1]) + Self.prompt("b", [0.4])
        let (kept, report) = SampleFilter.select(candidates, Self.config { $0.minKept = 2 })
        // Output order is by prompt, then rank, not by the order the safeguard picked them.
        #expect(kept.map(\.reward) == [0.3, 0.4])
        #expect(report.safeguardAdded == 2)
        #expect(report.kept == 2)
        #expect(report.note == "kept 2 samples below the 0.5 threshold to reach min_kept 2")

        // A zero reward is never trained on, even to reach min_kept.
        let short = SampleFilter.select(Self.prompt("a", [0.2, 0, 0]), Self.config { $0.minKept = 3 })
        #expect(short.kept.map(\.reward) == [0.2])
        #expect(short.report.note == "kept 1 sample below the 0.5 threshold toward min_kept 3; no other non-duplicate sample has a reward above 0")

        // Duplicates stay out; samples cut by top-k come back before worse ones.
        let mixed = Self.prompt("a", [0.9, 0.8, 0.45, 0.44], completions: ["p", "q", "p ", "r"])
        let topped = SampleFilter.select(mixed, Self.config { $0.keepTopK = 1; $0.minKept = 3 })
        #expect(topped.kept.map(\.index) == [0, 1, 3])
        #expect(topped.report.note == "kept 2 more samples (1 below the 0.5 threshold) to reach min_kept 3")

        let quiet = SampleFilter.select(Self.prompt("a", [0.9]), Self.config { $0.minKept = 1 })
        #expect(quiet.report.note == nil)
        #expect(quiet.report.safeguardAdded == 0)
    }

    @Test func selectionIsDeterministic() {
        let a = Self.prompt("a", [0.7, 0.9, 0.7, 0.7, 0.2])
        let b = Self.prompt("b", [0.8, 0.8, 0.6])
        let c = Self.config { $0.keepTopK = 2 }
        let first = SampleFilter.select(a + b, c)
        // Ties go to the lower index, whatever order the samples arrive in.
        #expect(first.kept.map { "\($0.promptID)\($0.index)" } == ["a1", "a0", "b0", "b1"])
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<20 {
            let again = SampleFilter.select(a.shuffled(using: &rng) + b.shuffled(using: &rng), c)
            #expect(again.kept == first.kept)
            #expect(again.report == first.report)
        }
        // Prompts come out in the order they first appear, even when interleaved.
        let interleaved = SampleFilter.select([b[2], a[0], b[0], a[1], b[1]], c)
        #expect(interleaved.kept.map(\.promptID) == ["b", "b", "a", "a"])
    }
}

/// SplitMix64, so shuffles repeat from run to run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49EB_1331_11EB
        return z ^ (z >> 31)
    }
}
