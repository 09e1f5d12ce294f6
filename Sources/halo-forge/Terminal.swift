import Foundation
import HaloForgeCore
import HaloForgeVerify

/// A failure that ends a command with one line and a non-zero exit.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Terminal {
    static let stderrIsTTY = isatty(2) == 1

    static func warn(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Progress on stderr (only on a terminal) and the closing summary table.
final class VerifyProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let started = Date()
    private let total: Int?
    private let live: Bool
    private var lastDraw = Date.distantPast
    private(set) var done = 0
    private var rewardSum = 0.0
    private var outcomes: [Outcome: Int] = [:]
    private var testsPassed = 0
    private var testsTotal = 0

    init(total: Int?, live: Bool = Terminal.stderrIsTTY) {
        self.total = total
        self.live = live
    }

    func record(_ verdict: Verdict) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        rewardSum += verdict.reward
        outcomes[verdict.outcome, default: 0] += 1
        testsPassed += verdict.testsPassed
        testsTotal += verdict.testsTotal
        guard live, Date().timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
        lastDraw = Date()
        let elapsed = Date().timeIntervalSince(started)
        let rate = Double(done) / max(elapsed, 1e-6)
        var line = "\r\u{1B}[2Kverify: \(done)"
        if let total {
            let left = rate > 0 ? Double(total - done) / rate : 0
            line += "/\(total) · \(String(format: "%.1f", rate)) samples/s · \(Self.duration(left)) left"
        } else {
            line += " · \(String(format: "%.1f", rate)) samples/s"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    var elapsed: Double { Date().timeIntervalSince(started) }
    var meanReward: Double { done == 0 ? 0 : rewardSum / Double(done) }
    func count(_ outcome: Outcome) -> Int { outcomes[outcome] ?? 0 }

    /// The closing table: outcomes, mean reward, throughput.
    func summary() -> String {
        if live { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        var rows: [(String, String)] = []
        for outcome in Outcome.allCases where count(outcome) > 0 {
            let share = 100 * Double(count(outcome)) / Double(max(done, 1))
            rows.append((outcome.rawValue, "\(count(outcome))  (\(String(format: "%.1f", share)) %)"))
        }
        rows.append(("samples", "\(done)"))
        rows.append(("mean reward", String(format: "%.3f", meanReward)))
        if testsTotal > 0 { rows.append(("tests passed", "\(testsPassed)/\(testsTotal)")) }
        rows.append(("elapsed", String(format: "%.1f s", elapsed)))
        rows.append(("throughput", String(format: "%.1f samples/s", Double(done) / max(elapsed, 1e-6))))
        let width = rows.map(\.0.count).max() ?? 0
        let rule = String(repeating: "─", count: width + 24)
        var text = rule + "\n"
        for (key, value) in rows { text += key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value + "\n" }
        return text + rule
    }

    static func duration(_ seconds: Double) -> String { TimeLeft.format(seconds) }
}
