/// Where a sample stopped on the reward ladder.
public enum Outcome: String, Sendable, CaseIterable, Codable {
    /// Does not compile (C/C++) or does not parse (Python).
    case syntaxError = "syntax_error"
    /// Python only: parses, but importing it raised or hung.
    case importError = "import_error"
    /// Compiles with warnings; verification stopped at compiling.
    case compiledWithWarnings = "compiled_with_warnings"
    /// Compiles clean; verification stopped at compiling.
    case compiled
    /// Compiled, then the run ended by a signal, a non-zero status or a resource limit.
    case crashed
    /// Compiled, then the run hit the wall-time or CPU-time limit.
    case timedOut = "timed_out"
    /// Ran to a normal end; there were no tests.
    case ran
    /// Ran, and some tests failed (or it left before finishing them).
    case failedTests = "failed_tests"
    /// Every test passed.
    case passed
    /// The verifier itself could not judge the sample (a missing toolchain, a sandbox failure).
    case error
}

/// The reward ladder of the seed.
public enum Reward {
    public static let syntaxError = 0.0
    public static let compiledWithWarnings = 0.3
    public static let compiled = 0.5
    public static let ran = 0.7
    public static let passed = 1.0

    /// Partial credit between `ran` and `passed` by the fraction of tests passed.
    public static func tests(passed: Int, total: Int) -> Double {
        guard total > 0 else { return ran }
        if passed >= total { return Reward.passed }
        return ran + (Reward.passed - ran) * Double(passed) / Double(total)
    }
}

/// The judgement of one sample: reward, the rung it reached and why.
public struct Verdict: Sendable, Equatable {
    public var reward: Double
    public var outcome: Outcome
    public var testsPassed: Int
    public var testsTotal: Int
    public var compileSeconds: Double
    public var runSeconds: Double
    /// Why the last run ended, isolate-style: "exit 0", "signal 11 (SIGSEGV)", "wall time limit".
    public var runEnd: String?
    /// The sandbox's record of the process `runEnd` describes (the compiler when compiling
    /// ended the sample), so a reward can always be explained in numbers.
    public var run: Run?
    public var detail: String

    /// How one sandboxed process ended, as isolate reports it.
    public struct Run: Sendable, Equatable {
        /// `ok`, `runtime_error`, `signaled`, `wall_time_limit`, `cpu_time_limit`, `memory_limit`,
        /// `file_size_limit`, `output_limit` or `internal_error`.
        public var status: String
        public var exitCode: Int
        /// The signal that ended it; 0 when none did.
        public var signal: Int
        public var wallSeconds: Double
        public var cpuSeconds: Double
        public var peakMemoryKiB: Int

        public init(status: String, exitCode: Int, signal: Int, wallSeconds: Double, cpuSeconds: Double, peakMemoryKiB: Int) {
            self.status = status
            self.exitCode = exitCode
            self.signal = signal
            self.wallSeconds = wallSeconds
            self.cpuSeconds = cpuSeconds
            self.peakMemoryKiB = peakMemoryKiB
        }

        public var json: JSONValue {
            .object([
                "status": .string(status), "exit_code": .int(exitCode), "signal": .int(signal),
                "wall_seconds": .double((wallSeconds * 10000).rounded() / 10000), "cpu_seconds": .double((cpuSeconds * 10000).rounded() / 10000),
                "peak_memory_kib": .int(peakMemoryKiB),
            ])
        }
    }

    public init(
        reward: Double, outcome: Outcome, testsPassed: Int = 0, testsTotal: Int = 0,
        compileSeconds: Double = 0, runSeconds: Double = 0, runEnd: String? = nil, detail: String = ""
    ) {
        self.reward = reward
        self.outcome = outcome
        self.testsPassed = testsPassed
        self.testsTotal = testsTotal
        self.compileSeconds = compileSeconds
        self.runSeconds = runSeconds
        self.runEnd = runEnd
        self.detail = detail
    }

    /// Result fields in output order.
    public var fields: [(key: String, value: JSONValue)] {
        var fields: [(key: String, value: JSONValue)] = [
            ("reward", .double((reward * 1000).rounded() / 1000)),
            ("outcome", .string(outcome.rawValue)),
            ("tests_passed", .int(testsPassed)),
            ("tests_total", .int(testsTotal)),
            ("compile_seconds", .double((compileSeconds * 10000).rounded() / 10000)),
            ("run_seconds", .double((runSeconds * 10000).rounded() / 10000)),
        ]
        if let runEnd { fields.append(("run_end", .string(runEnd))) }
        if let run { fields.append(("run", run.json)) }
        fields.append(("detail", .string(detail)))
        return fields
    }
}
