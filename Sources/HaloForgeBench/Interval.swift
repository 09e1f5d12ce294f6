internal import Foundation

/// A 95 % confidence interval for a mean over problems: the percentile bootstrap over tasks.
/// Tasks, not samples, are resampled because the samples of one task are not independent
/// (a model that cannot solve a task fails all its samples), so a sample-level interval would
/// be too narrow.
public struct Interval: Sendable, Equatable {
    public var low: Double
    public var high: Double

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }

    /// "[low, high]" in percent with one decimal.
    public var percent: String { String(format: "[%.1f, %.1f]", 100 * low, 100 * high) }
}

public enum Bootstrap {
    /// Resamples used by the benchmarks: the 2.5 % and 97.5 % quantiles move by well under
    /// a point between reruns at this count.
    public static let defaultResamples = 2000
    public static let defaultSeed: UInt64 = 20_251_201

    /// The 95 % percentile interval of `statistic` over `resamples` resamples of `count` items
    /// drawn with replacement; `statistic` gets the drawn indices. Seeded, so the same input
    /// always gives the same interval.
    public static func interval(
        count: Int, resamples: Int = defaultResamples, seed: UInt64 = defaultSeed, statistic: ([Int]) -> Double
    ) -> Interval? {
        guard count > 0, resamples > 0 else { return nil }
        var rng = SplitMix64(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        var draw = [Int](repeating: 0, count: count)
        for _ in 0..<resamples {
            for i in 0..<count { draw[i] = Int(rng.next() % UInt64(count)) }
            values.append(statistic(draw))
        }
        values.sort()
        // Nearest-rank quantiles: the 2.5 % one is the ceil(0.025 × B)-th smallest value.
        func quantile(_ q: Double) -> Double {
            let rank = Int((q * Double(resamples)).rounded(.up))
            return values[min(max(rank, 1), resamples) - 1]
        }
        return Interval(low: quantile(0.025), high: quantile(0.975))
    }

    /// The interval of the mean of `values` (one per task).
    public static func mean(_ values: [Double], resamples: Int = defaultResamples, seed: UInt64 = defaultSeed) -> Interval? {
        interval(count: values.count, resamples: resamples, seed: seed) { draw in
            draw.reduce(0) { $0 + values[$1] } / Double(draw.count)
        }
    }

    /// The interval of Σ hits / Σ totals over tasks (a rate over all samples, resampled by task).
    public static func ratio(hits: [Int], totals: [Int], resamples: Int = defaultResamples, seed: UInt64 = defaultSeed) -> Interval? {
        precondition(hits.count == totals.count, "one hit count per total")
        return interval(count: hits.count, resamples: resamples, seed: seed) { draw in
            let n = draw.reduce(0) { $0 + totals[$1] }
            return n == 0 ? 0 : Double(draw.reduce(0) { $0 + hits[$1] }) / Double(n)
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a small generator with a fixed, documented output,
/// so an interval can be checked by hand and reproduced on any platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
