import Foundation
@testable import HaloForgeBench
import HaloForgeCore
@testable import HaloForgePipeline
import Testing

@Suite struct FullBenchmarkVerdictTests {
    func row(_ stage: String, pass1: Double, interval: Interval) -> FullBenchmark.Row {
        var summary = BenchmarkSummary(dataset: stage, passAtK: [(1, pass1)], compileRate: 0.9, meanReward: 0.7, samples: 96, problems: [], seconds: 1)
        summary.pass1Interval = interval
        summary.compileInterval = Interval(low: 0.8, high: 1.0)
        return FullBenchmark.Row(stage: stage, heldOut: summary, cycle: [:])
    }

    @Test func tableShowsIntervalsAndVerdictSaysWhetherTheyOverlap() throws {
        // The shipped demo's numbers: +11.5 points whose intervals overlap.
        let demo = [row("baseline", pass1: 0.083, interval: Interval(low: 0, high: 0.208)), row("cycle-3", pass1: 0.198, interval: Interval(low: 0.073, high: 0.344))]
        let table = FullBenchmark.table(demo)
        #expect(table.contains("8.3% [0.0, 20.8]") && table.contains("19.8% [7.3, 34.4]"), "\(table)")
        let lines = table.split(separator: "\n")
        #expect(lines.count == 3)
        // Columns line up: every row puts its reward's bar where the header does.
        #expect(Set(lines.map { line in line.firstIndex(of: "|").map { line.distance(from: line.startIndex, to: $0) } }).count == 1, "\(table)")
        #expect(try #require(FullBenchmark.verdict(demo)).contains("(+11.5 points); pass@1 95% intervals overlap"))
        let clear = [demo[0], row("cycle-3", pass1: 0.45, interval: Interval(low: 0.3, high: 0.6))]
        #expect(try #require(FullBenchmark.verdict(clear)).contains("do not overlap (a clear gain)"))
        #expect(FullBenchmark.verdict([demo[0]]) == nil)
    }

    /// A run on a budget measures its ends: every Nth cycle and always the last.
    @Test func evaluatesEveryNthCycleAndTheLast() {
        let measured = { (every: Int, cycles: Int) in (0..<cycles).filter { FullBenchmark.evaluates(afterCycle: $0, every: every, of: cycles) } }
        #expect(measured(1, 3) == [0, 1, 2])
        #expect(measured(3, 3) == [2])
        #expect(measured(2, 5) == [1, 3, 4])
        #expect(measured(10, 3) == [2])
        #expect(measured(0, 2) == [0, 1])
    }
}
