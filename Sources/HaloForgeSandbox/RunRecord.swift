public import Foundation

/// Why a sandboxed run ended, as isolate reports it.
public enum RunStatus: String, Sendable, Equatable {
    /// Exited with status 0.
    case ok
    /// Exited with a non-zero status.
    case runtimeError = "runtime_error"
    /// Killed by a signal it raised or received.
    case signaled
    case wallTimeLimit = "wall_time_limit"
    case cpuTimeLimit = "cpu_time_limit"
    case memoryLimit = "memory_limit"
    case fileSizeLimit = "file_size_limit"
    case outputLimit = "output_limit"
    /// The sandbox itself failed; the program's behaviour is unknown.
    case internalError = "internal_error"
}

/// What happened in one sandboxed run.
public struct RunRecord: Sendable {
    public var status: RunStatus
    public var exitCode: Int32
    public var signal: Int32
    public var wallSeconds: Double
    public var cpuSeconds: Double
    public var maxRSSKiB: Int
    public var stdout: Data
    public var stderr: Data
    /// What the program wrote to its report channel (the harness's evidence).
    public var report: Data
    public var error: String

    public init(
        status: RunStatus, exitCode: Int32 = 0, signal: Int32 = 0, wallSeconds: Double = 0, cpuSeconds: Double = 0,
        maxRSSKiB: Int = 0, stdout: Data = Data(), stderr: Data = Data(), report: Data = Data(), error: String = ""
    ) {
        self.status = status
        self.exitCode = exitCode
        self.signal = signal
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.maxRSSKiB = maxRSSKiB
        self.stdout = stdout
        self.stderr = stderr
        self.report = report
        self.error = error
    }

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    public var reportText: String { String(decoding: report, as: UTF8.self) }

    /// One line: "exit 0", "exit 1", "signal 11 (SIGSEGV)", "wall time limit (2.0 s)".
    public var summary: String {
        switch status {
        case .ok, .runtimeError: "exit \(exitCode)"
        case .signaled: "signal \(signal) (\(RunRecord.signalName(signal)))"
        case .wallTimeLimit: "wall time limit (\(String(format: "%.1f", wallSeconds)) s)"
        case .cpuTimeLimit: "CPU time limit (\(String(format: "%.1f", cpuSeconds)) s)"
        case .memoryLimit: "memory limit"
        case .fileSizeLimit: "file size limit"
        case .outputLimit: "output limit"
        case .internalError: "sandbox error: \(error)"
        }
    }

    public static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
            9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ",
            31: "SIGSYS",
        ]
        return names[signal] ?? "SIG\(signal)"
    }
}
