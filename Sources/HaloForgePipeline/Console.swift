internal import Dispatch
public import Foundation
public import HaloForgeCore
public import HaloForgeEngine
public import HaloForgeVerify

/// A failure that ends a command with one line and a non-zero exit.
public struct CommandError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Notes and warnings on stderr, so stdout carries only a command's results.
public enum Terminal {
    public static let stderrIsTTY = isatty(2) == 1

    public static func warn(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    public static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Clears a live progress line, when stderr is a terminal.
    public static func clearLine() {
        if stderrIsTTY { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }
}

/// Progress on stderr (only on a terminal) and the closing summary table.
public final class VerifyProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let started = Date()
    private let total: Int?
    private let live: Bool
    private var lastDraw = Date.distantPast
    public private(set) var done = 0
    private var rewardSum = 0.0
    private var outcomes: [Outcome: Int] = [:]
    private var testsPassed = 0
    private var testsTotal = 0

    public init(total: Int?, live: Bool = Terminal.stderrIsTTY) {
        self.total = total
        self.live = live
    }

    public func record(_ verdict: Verdict) {
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
            line += "/\(total) · \(String(format: "%.1f", rate)) samples/s · \(TimeLeft.format(left)) left"
        } else {
            line += " · \(String(format: "%.1f", rate)) samples/s"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    public var elapsed: Double { Date().timeIntervalSince(started) }
    public var meanReward: Double { done == 0 ? 0 : rewardSum / Double(done) }
    public func count(_ outcome: Outcome) -> Int { outcomes[outcome] ?? 0 }

    /// The closing table: outcomes, mean reward, throughput.
    public func summary() -> String {
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
}

/// The worker's progress reports as one live stderr line, on a terminal only.
public func progressPrinter(_ label: String) -> Worker.Progress {
    let live = Terminal.stderrIsTTY
    return { data in
        guard live, let object = data.objectValue else { return }
        let text = object.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.serialized)" }.joined(separator: " · ")
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(label): \(text.prefix(150))".utf8))
    }
}

/// A text file, or a one-line error naming it.
public func readText(_ path: String) throws -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandError("cannot read \(path)") }
    return text
}

/// Reads a JSONL file into objects, with line-numbered errors.
public func readJSONL(_ path: String, required: [String]) throws -> [[String: JSONValue]] {
    guard let data = FileManager.default.contents(atPath: path) else { throw CommandError("cannot read \(path)") }
    var records: [[String: JSONValue]] = []
    for line in JSONLines.lines(in: data) {
        do {
            let object = try JSONLines.object(line)
            for key in required {
                // An id may be a number (MBPP's are); every other required field is text.
                let present = key == "id" ? object[key]?.stringValue != nil || object[key]?.intValue != nil : object[key]?.stringValue != nil
                if !present {
                    throw RecordError(line: line.number, object[key] == nil ? "missing field '\(key)'" : "field '\(key)' must be a string")
                }
            }
            records.append(object)
        } catch {
            throw CommandError("\(path): \(error)")
        }
    }
    return records
}

/// Writes `text` to `path` through a temporary file beside it and a rename, so a reader never
/// sees half a file; `-` is standard output.
public func writeAtomically(_ text: String, to path: String) throws {
    if path == "-" {
        FileHandle.standardOutput.write(Data(text.utf8))
        return
    }
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    do {
        // `--output data/train.jsonl` in a fresh folder: the folder is made, as users expect.
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: temporary)
        if rename(temporary.path, url.path) != 0 { throw CommandError("cannot write \(path): \(String(cString: strerror(errno)))") }
    } catch let error as CommandError {
        try? FileManager.default.removeItem(at: temporary)
        throw error
    } catch {
        try? FileManager.default.removeItem(at: temporary)
        throw CommandError("cannot write \(path): \(error.localizedDescription)")
    }
}

/// Runs `action` once on SIGINT or SIGTERM instead of dying, so a server can finish its
/// requests and the worker can be shut down.
public final class SignalStopper: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let once = OnceFlag()
    /// Whether a signal came.
    public var fired: Bool { once.isClaimed }

    public init(_ action: @escaping @Sendable () async -> Void) {
        let once = once
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                guard once.claim() else { return }
                Terminal.note("stopping (signal \(number))")
                Task { await action() }
            }
            source.resume()
            return source
        }
    }

    public func cancel() {
        for source in sources { source.cancel() }
    }
}

final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false

    var isClaimed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return claimed
    }

    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if claimed { return false }
        claimed = true
        return true
    }
}

extension Verifier {
    /// The verifier for `configuration` (with `choice`, `--verifier`, setting how prompts that do
    /// not say are judged), saying loudly what protects the host; `quiet` keeps the usual notes.
    public static func announced(_ configuration: VerifierConfiguration, choice: VerifierChoice? = nil, quiet: Bool) throws -> Verifier {
        let verifier: Verifier
        do {
            var configuration = configuration
            try choice?.apply(to: &configuration)
            verifier = try Verifier(configuration: configuration)
        } catch {
            throw CommandError("\(error)")
        }
        for problem in verifier.toolchains.problems { Terminal.warn("warning: \(problem)") }
        if verifier.jail.isolation == .fallback {
            Terminal.warn("WARNING: sandbox running in FALLBACK mode — \(verifier.jail.featureSummary)")
        } else if !quiet {
            Terminal.note("sandbox: \(verifier.jail.featureSummary)")
        }
        if let remote = configuration.remote, !quiet {
            Terminal.note("remote: C and C++ are verified on \(remote.host) (\(remote.kind.rawValue)) over ssh")
        }
        return verifier
    }
}
