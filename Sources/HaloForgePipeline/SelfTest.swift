public import Foundation
public import HaloForgeCore
internal import HaloForgeData
internal import HaloForgeEngine
internal import HaloForgeRAFT
public import HaloForgeSandbox
public import HaloForgeVerify

/// `halo-forge test`: toolchains, sandbox and one known-good and one known-bad sample per
/// verifier (smoke); the worker and the tiny model (standard); one RAFT cycle (full).
public enum SelfTest {
    public enum Level: String, Sendable, CaseIterable, Comparable {
        case smoke, standard, full

        public static func < (a: Level, b: Level) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// Runs every check of `level`, printing ✓/✗ lines; returns the number of failed checks.
    /// `configuration` is the verifier's, so a timed-out check can be retried with a patient limit.
    /// `halo-forge test`: the verifier for `configuration` (a sandbox that cannot start is the
    /// first failed check), the checks of `level`, and a closing line; true when all passed.
    public static func check(level: Level, configuration: VerifierConfiguration, jobs: Int) async throws -> Bool {
        let verifier: Verifier
        do { verifier = try Verifier.announced(configuration, quiet: true) } catch {
            print("✗ sandbox — \(error)")
            return false
        }
        let failures = try await run(level: level, verifier: verifier, configuration: configuration, jobs: jobs)
        print(failures == 0 ? "all checks passed" : "\(failures) check(s) failed: see the → lines; `halo-forge info` shows the toolchains, sandbox and worker")
        return failures == 0
    }

    public static func run(level: Level, verifier: Verifier, configuration: VerifierConfiguration, jobs: Int) async throws -> Int {
        let list = Checklist()
        let tc = verifier.toolchains
        list.line(tc.cc != nil, "C compiler", tc.cc?.path ?? "missing")
        list.line(tc.cxx != nil, "C++ compiler", tc.cxx?.path ?? "missing")
        list.line(tc.python != nil, "Python", tc.python?.path ?? "missing")
        list.line(verifier.jail.isolation == .namespaces, "sandbox", verifier.jail.featureSummary)
        printProtections(verifier.jail.protections)

        // A cold disk cache or a loaded 2-core machine can push a good sample past a short --timeout
        // (pytest took 2.01 s against 2.0 s on a first run): a time-out that the check does not
        // expect is retried once with a patient limit before it counts as a failure.
        let wallTimeout = configuration.runLimits.wallSeconds
        let patientTimeout = max(30, 4 * wallTimeout)
        var patient: Verifier?
        // pytest is a package of the user's Python, not of halo-forge: without it only pytest
        // records cannot be judged, which is said rather than failed.
        let pytestMissing = tc.python.map { !imports("pytest", python: $0.path) } ?? false
        for check in try SmokeCheck.all() {
            if pytestMissing, check.sample.testFramework == .pytest {
                list.skip(check.name, "\(tc.python?.path ?? "python") has no pytest (pip install pytest, or pass --python with one that has it); only pytest records need it")
                continue
            }
            let start = Date()
            var verdict = await verifier.verify(check.sample)
            var note = ""
            // A Python compile step past the limit reports `error` ("before compiling: wall time limit").
            if !check.expects(verdict), verdict.outcome == .timedOut || verdict.detail.contains("time limit") {
                if patient == nil {
                    var patientConfiguration = configuration
                    patientConfiguration.runLimits.wallSeconds = patientTimeout
                    patientConfiguration.runLimits.cpuSeconds = patientTimeout
                    patient = try? Verifier(configuration: patientConfiguration)
                }
                if let patient {
                    verdict = await patient.verify(check.sample)
                    note = String(format: " (over the %g s limit, passed with %g s: a cold cache or a loaded machine)", wallTimeout, patientTimeout)
                }
            }
            let ok = check.expects(verdict)
            list.line(ok, check.name, "\(verdict.outcome.rawValue) \(String(format: "%.2f", verdict.reward)): \(verdict.detail)" + (ok ? note : ""), seconds: Date().timeIntervalSince(start))
            if !ok { print("  → \(advice(check, verdict, patientTimeout: patientTimeout))") }
        }
        if level >= .standard {
            await ModelChecks(level: level, verifier: verifier, jobs: jobs).run(list)
        }
        return list.failures
    }

    /// One line per way a run is bounded: ✓ with how, or ! with why this host cannot. A
    /// limit the host lacks is not a failed check (nothing here can fix it), but it is said.
    static func printProtections(_ protections: [Protection]) {
        var groups: [(how: String, enforced: Bool, names: [String])] = []
        for protection in protections {
            if let i = groups.firstIndex(where: { $0.how == protection.how && $0.enforced == protection.enforced }) {
                groups[i].names.append(protection.name)
            } else {
                groups.append((protection.how, protection.enforced, [protection.name]))
            }
        }
        for group in groups {
            let names = group.names.joined(separator: ", ")
            print(group.enforced ? "✓ limit \(names) — \(group.how)" : "! limit \(names) — NOT ENFORCED: \(group.how)")
        }
    }

    /// Whether `python` (as given, so a venv keeps its packages) can import `module`.
    static func imports(_ module: String, python: String) -> Bool {
        Subprocess.runBlocking(python, ["-c", "import \(module)"], stdout: .discard, stderr: .discard).status == 0
    }

    /// What to do about a failed smoke check, in one line.
    static func advice(_ check: SmokeCheck, _ verdict: Verdict, patientTimeout: Double) -> String {
        switch verdict.outcome {
        case _ where verdict.outcome == .timedOut || verdict.detail.contains("time limit"):
            return String(format: "still over the time limit with %g s: the machine is very loaded or the sandbox is slow to start; rerun with --timeout 60, or try --sandbox fallback", patientTimeout)
        case .error:
            return "the verifier could not judge: \(verdict.detail.split(separator: "\n").first.map(String.init) ?? "see above")"
        case .importError where check.sample.testFramework != .asserts:
            return "install pytest for the Python the verifier uses (Debian: apt-get install python3-pytest; or pip install pytest), or pass --python"
        case .syntaxError where check.sample.language != .python:
            return "the compiler rejected a good program: check that gcc/g++ work (Debian: apt-get install build-essential) or pass --compiler clang"
        default:
            return "a verifier scored a known sample wrongly (\(verdict.outcome.rawValue) \(String(format: "%.2f", verdict.reward))): please report it with the line above"
        }
    }
}

/// One known sample and the verdict it must get; the samples live in `Resources/self-test.jsonl`
/// as `verify` records with a `check` name and an `expect` object (outcome, reward, reward_below).
public struct SmokeCheck: Sendable {
    public var name: String
    public var sample: Sample
    /// The outcome the verdict must have, if any.
    public var outcome: Outcome?
    /// The exact reward, if any.
    public var reward: Double?
    /// A bound the reward must stay under, if any.
    public var rewardBelow: Double?

    public func expects(_ verdict: Verdict) -> Bool {
        (outcome.map { verdict.outcome == $0 } ?? true) && (reward.map { verdict.reward == $0 } ?? true)
            && (rewardBelow.map { verdict.reward < $0 } ?? true)
    }

    static let resourceName = "self-test.jsonl"

    /// Every check in the resource file, in its order; a broken file names its line.
    public static func all() throws -> [SmokeCheck] {
        guard let url = Bundle.module.url(forResource: resourceName, withExtension: nil, subdirectory: "Resources")
            ?? Bundle.module.url(forResource: resourceName, withExtension: nil),
            let data = try? Data(contentsOf: url)
        else {
            throw CommandError("the self-test samples \(resourceName) are missing from the halo-forge build: rebuild or reinstall halo-forge")
        }
        return try JSONLines.lines(in: data).map { line in
            do {
                let record = try JSONLines.object(line)
                guard let name = record["check"]?.stringValue, let expect = record["expect"]?.objectValue, !expect.isEmpty else {
                    throw RecordError(line: line.number, "needs a 'check' name and an 'expect' object")
                }
                var outcome: Outcome?
                if let raw = expect["outcome"]?.stringValue {
                    guard let known = Outcome(rawValue: raw) else { throw RecordError(line: line.number, "unknown outcome '\(raw)'") }
                    outcome = known
                }
                return SmokeCheck(
                    name: name, sample: try Sample(record: record, line: line.number), outcome: outcome,
                    reward: expect["reward"]?.doubleValue, rewardBelow: expect["reward_below"]?.doubleValue)
            } catch {
                throw CommandError("\(resourceName): \(error)")
            }
        }
    }
}

/// Prints ✓/✗ lines with timings and counts the failures.
final class Checklist {
    private(set) var failures = 0

    func line(_ ok: Bool, _ name: String, _ detail: String, seconds: Double? = nil) {
        if !ok { failures += 1 }
        let time = seconds.map { String(format: " (%.2f s)", $0) } ?? ""
        print("\(ok ? "✓" : "✗") \(name)\(time) — \(detail)")
    }

    /// A check that does not apply on this host: said, never counted as a failure.
    func skip(_ name: String, _ why: String) {
        print("– \(name) — not checked: \(why)")
    }

    /// Runs one timed check: its value and detail line, or nil after a ✗ with the error.
    func check<T>(_ name: String, _ body: () async throws -> (T, String)) async -> T? {
        let start = Date()
        do {
            let (value, detail) = try await body()
            line(true, name, detail, seconds: Date().timeIntervalSince(start))
            return value
        } catch {
            let message = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            line(false, name, message, seconds: Date().timeIntervalSince(start))
            return nil
        }
    }
}
