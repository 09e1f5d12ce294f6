internal import Foundation

/// Per-cycle values derived from a configuration; cycles are 0-based.
public enum Schedule {
    /// learning_rate × learning_rate_decay^cycle.
    public static func learningRate(_ c: RAFTConfiguration, cycle: Int) -> Double {
        c.learningRate * pow(c.learningRateDecay, Double(max(cycle, 0)))
    }

    /// Linear from temperature (first cycle) to temperature_end (last cycle); constant without an end or with one cycle.
    public static func temperature(_ c: RAFTConfiguration, cycle: Int) -> Double {
        guard let end = c.temperatureEnd, c.cycles > 1 else { return c.temperature }
        // Clamped so a cycle outside the run never extrapolates past either end.
        let f = Double(min(max(cycle, 0), c.cycles - 1)) / Double(c.cycles - 1)
        // Weighted form so the first and last cycles hit both ends exactly.
        return c.temperature * (1 - f) + end * f
    }
}
