public import Foundation
public import HaloForgeCore
internal import Synchronization

/// The model worker: a Python process speaking halo-forge's protocol (python/PROTOCOL.md)
/// over JSON lines. Swift owns its life: start, health, stop, restart. A crash, an OOM
/// kill or a hang fails the requests in flight with the worker's last stderr lines; the
/// next request starts a fresh worker.
public actor Worker {
    public static let protocolVersion = 1

    public struct Hello: Sendable {
        public var protocolVersion: Int
        public var versions: [String: String]
        public var device: String
        public var threads: Int
    }

    public typealias Progress = @Sendable (JSONValue) -> Void

    private let environment: PythonEnvironment
    private let extraEnvironment: [String: String]
    private var process: Process?
    private var stdin: FileHandle?
    private var nextID = 1
    private var pending: [Int: (continuation: CheckedContinuation<JSONValue, any Error>, progress: Progress?)] = [:]
    private var helloWaiter: CheckedContinuation<Hello, any Error>?
    private var generation = 0
    /// The last generation whose stdout reached its end, and how the last worker ended: the
    /// end is handled once both are known (or shortly after the exit), so an answer written
    /// just before exiting is delivered before the requests in flight are failed.
    private var outputClosedGeneration = 0
    private var termination: (generation: Int, status: Int32, signaled: Bool)?
    private let stderrTail = StderrTail()
    public private(set) var hello: Hello?
    /// Called after a fresh worker has started (e.g. to load the model again).
    private var onRestart: (@Sendable (Worker) async throws -> Void)?

    public init(environment: PythonEnvironment, extraEnvironment: [String: String] = [:]) {
        self.environment = environment
        self.extraEnvironment = extraEnvironment
    }

    public func setOnRestart(_ action: (@Sendable (Worker) async throws -> Void)?) {
        onRestart = action
    }

    public var isRunning: Bool { process?.isRunning == true }
    public var processID: Int32? { process?.processIdentifier }

    /// Starts the worker if it is not running and waits for its hello.
    public func start() async throws {
        if isRunning, hello != nil { return }
        let wasStartedBefore = generation > 0
        generation += 1
        let myGeneration = generation
        let process = Process()
        process.executableURL = URL(fileURLWithPath: environment.python)
        process.arguments = ["-u", "-m", "halo_forge_worker"]
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = environment.workerDir
        env["PYTHONUNBUFFERED"] = "1"
        env["TOKENIZERS_PARALLELISM"] = "false"
        for (k, v) in extraEnvironment { env[k] = v }
        process.environment = env
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        let tail = stderrTail
        tail.reset()
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { tail.append(data) }
        }
        process.terminationHandler = { [weak self] finished in
            let status = finished.terminationStatus
            let reason = finished.terminationReason
            Task { await self?.terminated(generation: myGeneration, status: status, signaled: reason == .uncaughtSignal) }
        }
        do {
            try process.run()
        } catch {
            throw EngineError("cannot start the worker with \(environment.python): \(error.localizedDescription)")
        }
        self.process = process
        self.stdin = input.fileHandleForWriting
        hello = nil
        // One consumer, in the order the worker wrote: progress before the answer, hello first.
        let lines = JSONLines.lines(of: output.fileHandleForReading)
        Task { [weak self] in
            for await line in lines {
                if let message = try? JSONValue.parse(line.text) { await self?.received(message, generation: myGeneration) }
            }
            await self?.outputClosed(generation: myGeneration)
        }
        let hello = try await withCheckedThrowingContinuation { continuation in
            helloWaiter = continuation
        }
        guard hello.protocolVersion == Worker.protocolVersion else {
            stop()
            throw EngineError("the worker speaks protocol \(hello.protocolVersion), this halo-forge speaks \(Worker.protocolVersion): update the checkout's python/ folder or halo-forge")
        }
        if wasStartedBefore, let onRestart { try await onRestart(self) }
    }

    /// Sends one request and waits for its answer. `timeout` (seconds) bounds the wait:
    /// a worker that does not answer in time is killed.
    public func request(_ op: String, _ args: [String: JSONValue] = [:], timeout: Double? = nil, progress: Progress? = nil) async throws -> JSONValue {
        try await start()
        let id = nextID
        nextID += 1
        var line = ""
        JSONValue.writeObject([("id", .int(id)), ("op", .string(op)), ("args", .object(args))], to: &line)
        line += "\n"
        let myGeneration = generation
        if let timeout {
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(timeout))
                await self?.expire(id: id, generation: myGeneration, after: timeout)
            }
        }
        return try await withCheckedThrowingContinuation { continuation in
            pending[id] = (continuation, progress)
            do {
                try stdin?.write(contentsOf: Data(line.utf8))
            } catch {
                pending.removeValue(forKey: id)
                continuation.resume(throwing: EngineError("cannot write to the worker: \(error.localizedDescription)\(stderrTail.summary)"))
            }
        }
    }

    /// Stops the worker (politely, then by force).
    public func stop() {
        guard let process else { return }
        if process.isRunning {
            try? stdin?.write(contentsOf: Data(#"{"id":0,"op":"shutdown","args":{}}"#.utf8 + [10]))
            let pid = process.processIdentifier
            Task.detached {
                try? await Task.sleep(for: .seconds(2))
                kill(pid, SIGKILL)
            }
        }
        self.process = nil
        failAll(EngineError("the worker was stopped"))
    }

    /// Kills the worker at once (as a crash would), failing what is in flight.
    public func killProcess(signal: Int32 = SIGKILL) {
        if let pid = process?.processIdentifier { kill(pid, signal) }
    }

    /// Stops the worker and starts a fresh one.
    public func restart() async throws {
        stop()
        try await start()
    }

    private func received(_ message: JSONValue, generation: Int) {
        guard generation == self.generation else { return }
        if message["event"] == .string("hello") {
            let versions = (message["versions"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            let hello = Hello(
                protocolVersion: message["protocol"].flatMap { if case .int(let v) = $0 { v } else { nil } } ?? -1,
                versions: versions, device: message["device"]?.stringValue ?? "?",
                threads: message["threads"].flatMap { if case .int(let v) = $0 { v } else { nil } } ?? 0)
            self.hello = hello
            helloWaiter?.resume(returning: hello)
            helloWaiter = nil
            return
        }
        guard case .int(let id)? = message["id"], let entry = pending[id] else { return }
        if message["event"] == .string("progress") {
            entry.progress?(message["data"] ?? .null)
            return
        }
        pending.removeValue(forKey: id)
        if message["ok"] == .bool(true) {
            entry.continuation.resume(returning: message["result"] ?? .null)
        } else {
            let error = message["error"]
            let type = error?["type"]?.stringValue ?? "error"
            let text = error?["message"]?.stringValue ?? "unknown error"
            entry.continuation.resume(throwing: EngineError("worker: \(type): \(text)"))
        }
    }

    private func expire(id: Int, generation: Int, after seconds: Double) {
        guard generation == self.generation, pending[id] != nil else { return }
        let error = EngineError("the worker did not answer within \(Int(seconds)) s and was killed\(stderrTail.summary)")
        pending.removeValue(forKey: id)?.continuation.resume(throwing: error)
        killProcess()
    }

    private func terminated(generation: Int, status: Int32, signaled: Bool) {
        termination = (generation, status, signaled)
        if outputClosedGeneration >= generation {
            workerEnded(generation: generation, status: status, signaled: signaled)
            return
        }
        // A child that inherited stdout can hold it open: do not wait for its end forever.
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(2))
            await self?.workerEnded(generation: generation, status: status, signaled: signaled)
        }
    }

    private func outputClosed(generation: Int) {
        outputClosedGeneration = max(outputClosedGeneration, generation)
        if let termination, termination.generation == generation {
            workerEnded(generation: generation, status: termination.status, signaled: termination.signaled)
        }
    }

    private func workerEnded(generation: Int, status: Int32, signaled: Bool) {
        guard generation == self.generation else { return }
        let how = signaled ? "was killed by signal \(status)\(status == SIGKILL ? " (out of memory, or killed)" : "")" : "exited with status \(status)"
        let error = EngineError("the model worker \(how)\(stderrTail.summary)")
        process = nil
        hello = nil
        helloWaiter?.resume(throwing: error)
        helloWaiter = nil
        failAll(error)
    }

    private func failAll(_ error: any Error) {
        let waiting = pending
        pending.removeAll()
        for (_, entry) in waiting { entry.continuation.resume(throwing: error) }
    }
}

/// The last lines the worker wrote to stderr, for error messages.
final class StderrTail: Sendable {
    private let lines = Mutex<[String]>([])
    private let partial = Mutex<String>("")

    func reset() {
        lines.withLock { $0.removeAll() }
        partial.withLock { $0 = "" }
    }

    func append(_ data: Data, prefix: String = "worker: ") {
        let text = partial.withLock { p -> String in
            p += String(decoding: data, as: UTF8.self)
            return p
        }
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let rest = parts.removeLast()
        partial.withLock { $0 = rest }
        if ProcessInfo.processInfo.environment["HALO_FORGE_WORKER_LOG"] != nil {
            for line in parts { FileHandle.standardError.write(Data((prefix + line + "\n").utf8)) }
        }
        lines.withLock { all in
            all += parts.filter { !$0.isEmpty }
            if all.count > 40 { all.removeFirst(all.count - 40) }
        }
    }

    /// " — last stderr: a | b | c", or "" when the worker said nothing.
    var summary: String {
        let last = lines.withLock { Array($0.suffix(4)) }
        return last.isEmpty ? "" : " — last stderr: " + last.joined(separator: " | ")
    }
}
