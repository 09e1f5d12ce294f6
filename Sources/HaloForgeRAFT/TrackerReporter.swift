internal import Foundation
public import HaloForgeCore
public import HaloForgeEngine
internal import Synchronization

/// A failure to start the trackers, in one line that says what to do.
public struct TrackerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The experiment trackers a run reports to (`--report-to`): TensorBoard event files, an offline
/// W&B run and an MLflow file store under `folder`, each written through its own library by
/// `python -m halo_forge_worker.trackers` in the worker's Python environment. Swift owns the run
/// and feeds the process JSON lines; it keeps the last step sent per axis, and the process keeps
/// (in `folder/state.json`) the last step each tracker wrote, so a replay after a resume repeats
/// nothing. Nothing is sent over the network unless the user's environment says so (WANDB_MODE).
public final class TrackerReporter: MetricsSink, @unchecked Sendable {
    /// The trackers `--report-to` accepts.
    public static let names = ["tensorboard", "wandb", "mlflow"]
    /// The pip requirements `model setup --trackers` installs, beside the worker's own.
    public static let requirementsFile = "requirements-trackers.txt"

    /// The folder holding every tracker's files, `state.json` and `reporter.log`.
    public let folder: String
    /// Where each tracker wrote, as the process reported it.
    public let locations: [String: String]
    // Process and FileHandle are used only under `state`'s lock or after the process ended.
    private let process: Process
    private let input: FileHandle
    private let state = Mutex(SendState())
    private let log: @Sendable (String) -> Void

    private struct SendState {
        var sent: [MetricKind: Int] = [:]
        var broken = false
    }

    private init(folder: String, locations: [String: String], process: Process, input: FileHandle, log: @escaping @Sendable (String) -> Void) {
        self.folder = folder
        self.locations = locations
        self.process = process
        self.input = input
        self.log = log
    }

    /// Throws for the first name that is no tracker, naming `--report-to` and the choices.
    public static func check(_ trackers: [String]) throws {
        if let unknown = trackers.first(where: { !names.contains($0) }) {
            throw TrackerError("--report-to: unknown tracker '\(unknown)' (choose from \(names.joined(separator: ", ")))")
        }
    }

    /// The trackers a run uses: those `--report-to` names when it names any (also on a resumed
    /// run), else the settings' `report_to`; each once, in the order first given.
    public static func chosen(flag: [String], settings: [String]?) -> [String] {
        var seen = Set<String>()
        return (flag.isEmpty ? settings ?? [] : flag).filter { seen.insert($0).inserted }
    }

    /// Starts the reporter for `trackers` (names from `names`) and waits until every tracker has
    /// opened its run; a missing library fails here with one line naming what to install.
    public static func start(
        _ trackers: [String], folder: String, name: String, environment: PythonEnvironment, log: @escaping @Sendable (String) -> Void
    ) async throws -> TrackerReporter {
        try check(trackers)
        // A reporter that dies must not take the run down with SIGPIPE on the next write.
        signal(SIGPIPE, SIG_IGN)
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let logPath = folder + "/reporter.log"
        if !fm.fileExists(atPath: logPath) { fm.createFile(atPath: logPath, contents: nil) }
        guard let errors = FileHandle(forWritingAtPath: logPath) else { throw TrackerError("cannot write \(logPath)") }
        errors.seekToEndOfFile()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: environment.python)
        process.arguments = ["-u", "-m", "halo_forge_worker.trackers", "--dir", folder, "--name", name]
            + trackers.flatMap { ["--tracker", $0] }
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = environment.workerDir
        env["PYTHONUNBUFFERED"] = "1"
        process.environment = env
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw TrackerError("--report-to: cannot start \(environment.python): \(error.localizedDescription)")
        }
        try? errors.close()

        // The process's answers, in order: the first line says whether the trackers opened,
        // later lines are acknowledgements, or errors worth a line in the run's log.
        let answers = JSONLines.lines(of: output.fileHandleForReading).map { try? JSONValue.parse($0.text) }
        let pid = process.processIdentifier
        // Importing the libraries and opening a W&B run take seconds; a reporter silent for minutes is stuck.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(300))
            kill(pid, SIGKILL)
        }
        var iterator = answers.makeAsyncIterator()
        let first = await iterator.next()
        watchdog.cancel()
        guard let hello = first ?? nil, hello["ready"] == .bool(true) else {
            let message = (first ?? nil)?["error"]?.stringValue ?? "the tracker reporter stopped before it was ready: " + tail(logPath)
            throw TrackerError("--report-to: " + message)
        }
        let locations = (hello["locations"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        let reporter = TrackerReporter(folder: folder, locations: locations, process: process, input: input.fileHandleForWriting, log: log)
        Task.detached {
            while let answer = await iterator.next() {
                if let error = answer?["error"]?.stringValue { log("trackers: \(error)") }
            }
        }
        return reporter
    }

    public func settings(_ values: [String: JSONValue]) {
        send(.object(["kind": .string("params"), "params": .object(values)]), kind: nil, step: 0)
    }

    public func record(_ kind: MetricKind, step: Int, _ values: [String: Double]) {
        let finite = values.compactMapValues { $0.isFinite ? JSONValue.double($0) : nil }
        send(.object(["kind": .string(kind.rawValue), "step": .int(step), "values": .object(finite)]), kind: kind, step: step)
    }

    private func send(_ message: JSONValue, kind: MetricKind?, step: Int) {
        let failed: Bool = state.withLock { s in
            if s.broken { return false }
            if let kind {
                if let last = s.sent[kind], step <= last { return false }
                s.sent[kind] = step
            }
            do {
                try input.write(contentsOf: Data((message.serialized + "\n").utf8))
                return false
            } catch {
                s.broken = true
                return true
            }
        }
        if failed { log("trackers: the reporter stopped (see \(folder)/reporter.log); the run goes on without them") }
    }

    /// Lets the reporter write what it has and close every tracker run (W&B finishes its file,
    /// MLflow marks the run finished); kills it after `timeout` seconds.
    public func close(timeout: Double = 120) async {
        state.withLock { s in
            s.broken = true
            try? input.close()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            log("trackers: the reporter did not finish within \(Int(timeout)) s and was stopped")
        } else if process.terminationStatus != 0 {
            log("trackers: the reporter exited with status \(process.terminationStatus) (see \(folder)/reporter.log)")
        }
    }

    /// Installs the tracker libraries into `environment` (`halo-forge model setup --trackers`).
    public static func install(into environment: PythonEnvironment) throws {
        let requirements = environment.workerDir + "/" + requirementsFile
        guard FileManager.default.fileExists(atPath: requirements) else { throw TrackerError("cannot read \(requirements)") }
        try PythonEnvironment.run(
            environment.python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements], what: "installing \(requirements)")
    }

    private static func tail(_ path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let last = text.split(separator: "\n").suffix(3).joined(separator: " | ")
        return last.isEmpty ? "(\(path) is empty)" : last
    }
}
