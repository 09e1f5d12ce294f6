import Foundation
@testable import HaloForgeBench
import HaloForgeCore
import Testing

@Suite struct BootstrapIntervalTests {
    /// Per-task pass@1 values of a model that solves about a third of the tasks, some partly.
    func tasks(_ count: Int) -> [Double] { (0..<count).map { [0, 0, 1, 0.25, 0, 0.5][$0 % 6] } }

    @Test func splitMixMatchesThePublishedSequence() {
        // The first outputs of SplitMix64 seeded with 0, as in the reference implementation.
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func handComputedCase() {
        // Seed 7, three tasks, five resamples. SplitMix64(7) outputs mod 3 give the draws
        // [0,0,0] [0,1,0] [1,0,2] [2,1,1] [0,1,0]: means 0, 1/6, 1/2, 2/3, 1/6. Sorted
        // 0, 1/6, 1/6, 1/2, 2/3; the 2.5 % rank is ceil(0.125) = 1 → 0, the 97.5 % rank
        // ceil(4.875) = 5 → 2/3.
        let interval = Bootstrap.mean([0, 0.5, 1], resamples: 5, seed: 7)
        #expect(interval == Interval(low: 0, high: 2.0 / 3.0))
    }

    @Test func containsThePointEstimate() throws {
        for count in [6, 24, 96, 500] {
            let values = tasks(count)
            let mean = values.reduce(0, +) / Double(count)
            let interval = try #require(Bootstrap.mean(values))
            #expect(interval.low <= mean && mean <= interval.high, "\(count) tasks: \(mean) outside \(interval)")
            #expect(interval.low < interval.high)
        }
    }

    @Test func shrinksWithMoreTasks() throws {
        let widths = try [24, 96, 384].map { count -> Double in
            let i = try #require(Bootstrap.mean(tasks(count)))
            return i.high - i.low
        }
        #expect(widths[0] > widths[1] && widths[1] > widths[2], "\(widths)")
        // Roughly 1/√n: four times the tasks, about half the width.
        #expect(widths[1] / widths[0] > 0.35 && widths[1] / widths[0] < 0.65, "\(widths)")
    }

    @Test func seededAndDegenerateCases() {
        #expect(Bootstrap.mean(tasks(30)) == Bootstrap.mean(tasks(30)))
        #expect(Bootstrap.mean([0.5, 0.5, 0.5]) == Interval(low: 0.5, high: 0.5))
        #expect(Bootstrap.mean([]) == nil)
        // A ratio resampled by task: 3 of 4 and 1 of 4 samples compile; the rate is 4/8.
        let ratio = Bootstrap.ratio(hits: [3, 1], totals: [4, 4], resamples: 400)!
        #expect(ratio.low == 0.25 && ratio.high == 0.75)
    }

    @Test func summaryCarriesTheIntervalsThroughItsJSON() throws {
        var summary = BenchmarkSummary(
            dataset: "x", passAtK: [(1, 0.375)], compileRate: 0.75, meanReward: 0.6, samples: 16,
            problems: [
                ProblemResult(taskID: "a", samples: 4, correct: 4, compiled: 4, meanReward: 1),
                ProblemResult(taskID: "b", samples: 4, correct: 0, compiled: 4, meanReward: 0.5),
                ProblemResult(taskID: "c", samples: 4, correct: 2, compiled: 4, meanReward: 0.75),
                ProblemResult(taskID: "d", samples: 4, correct: 0, compiled: 0, meanReward: 0),
            ], seconds: 1)
        summary.addIntervals(tested: summary.problems.map { (n: $0.samples, c: $0.correct) })
        let pass1 = try #require(summary.pass1Interval)
        #expect(pass1.low <= 0.375 && 0.375 <= pass1.high && pass1.low >= 0 && pass1.high <= 1)
        let back = BenchmarkSummary(json: try JSONValue.parse(Data(summary.json.serialized.utf8)))
        #expect(back.pass1Interval == summary.pass1Interval)
        #expect(back.compileInterval == summary.compileInterval)
        #expect(summary.table.contains("95% CI"))
    }
}
