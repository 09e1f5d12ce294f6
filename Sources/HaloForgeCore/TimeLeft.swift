internal import Foundation

/// Short durations for progress lines: "42s", "3m05s".
public enum TimeLeft {
    public static func format(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }

    /// What is left of `total` units after `done` of them took `elapsed` seconds.
    public static func estimate(done: Int, total: Int, elapsed: Double) -> String {
        guard done > 0 else { return "?" }
        return format(elapsed / Double(done) * Double(total - done))
    }
}
