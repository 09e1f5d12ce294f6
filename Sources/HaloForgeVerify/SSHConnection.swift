internal import Foundation
internal import HaloForgeSandbox
internal import Synchronization

/// One multiplexed OpenSSH connection to a build host. The system `ssh` client does
/// the work, so the user's ~/.ssh/config, agent and known_hosts apply and host keys
/// are checked as they always are. A master (ControlMaster) holds the one TCP
/// connection; every command is a session over it, several at once.
final class SSHConnection: Sendable {
    let host: String
    /// Extra arguments for every ssh invocation (`-F config`, `-o Port=2222`).
    let arguments: [String]
    /// Folder of the control socket: short, private, ours.
    private let controlFolder: String
    private var controlPath: String { controlFolder + "/m" }
    private let sessions: AsyncGate
    private let masterLock = AsyncGate(1)
    private let masterStarts = Atomic<Int>(0)

    /// Seconds a connection attempt may take before it counts as failed.
    static let connectSeconds = 30
    /// Seconds the master stays up with no session, so a crashed halo-forge leaves nothing behind.
    static let persistSeconds = 120

    init(host: String, arguments: [String], sessions: Int) throws {
        self.host = host
        self.arguments = arguments
        self.sessions = AsyncGate(max(1, sessions))
        // Unix socket paths are short (108 bytes): /tmp, not $TMPDIR.
        var template = Array("/tmp/hf-ssh-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw JailError("cannot create a folder for the SSH control socket: \(String(cString: strerror(errno)))")
        }
        controlFolder = String(cString: made)
    }

    deinit {
        close()
    }

    /// How many times a master connection was started (one, unless it went away).
    var connectionsOpened: Int { masterStarts.load(ordering: .relaxed) }

    static func sshPath() throws -> String {
        guard let tool = Toolchains.tool("ssh") else {
            throw JailError("ssh not found on PATH: install the OpenSSH client (Debian: apt-get install openssh-client)")
        }
        return tool.path
    }

    private var common: [String] {
        arguments + ["-o", "ControlPath=" + controlPath, "-o", "BatchMode=yes", "-o", "ConnectTimeout=\(Self.connectSeconds)"]
    }

    /// Opens the master unless one is up. `ssh -f` returns once the connection is
    /// authenticated and the master runs in the background.
    func connect() async throws {
        try await masterLock.holding { try await connectOnce() }
    }

    private func connectOnce() async throws {
        if FileManager.default.fileExists(atPath: controlPath),
            await Subprocess.run(try Self.sshPath(), common + ["-O", "check", host], timeout: 10).status == 0
        {
            return
        }
        unlink(controlPath)
        let result = await Subprocess.run(
            try Self.sshPath(),
            common + ["-o", "ControlMaster=yes", "-o", "ControlPersist=\(Self.persistSeconds)", "-f", "-N", "-T", host],
            timeout: Double(Self.connectSeconds + 10))
        masterStarts.add(1, ordering: .relaxed)
        guard result.status == 0 else {
            let why = Diagnostics.lastLines(String(decoding: result.stderr, as: UTF8.self), count: 3)
            throw JailError("cannot connect to \(host) over ssh: \(why.isEmpty ? "ssh exited with \(result.status)" : why)")
        }
    }

    /// Runs `command` on the host in a session over the master, with `input` as its
    /// stdin. `timeout` bounds the whole session here (the remote side has its own limit).
    func run(_ command: String, input: Data, timeout: Double) async throws -> Subprocess.Result {
        try await sessions.holding { try await session(command, input: input, timeout: timeout) }
    }

    private func session(_ command: String, input: Data, timeout: Double) async throws -> Subprocess.Result {
        if !FileManager.default.fileExists(atPath: controlPath) { try await connect() }
        // ControlMaster=no: a session never opens a TCP connection of its own.
        let result = await Subprocess.run(
            try Self.sshPath(), common + ["-o", "ControlMaster=no", "-T", host, command], input: input, timeout: timeout)
        if result.status == 255 && !result.timedOut {
            let why = Diagnostics.lastLines(String(decoding: result.stderr, as: UTF8.self), count: 2)
            throw JailError("ssh session to \(host) failed: \(why)")
        }
        return result
    }

    /// Ends the master and removes the control folder.
    func close() {
        if FileManager.default.fileExists(atPath: controlPath), let ssh = try? Self.sshPath() {
            _ = Subprocess.runBlocking(ssh, common + ["-O", "exit", host])
        }
        try? FileManager.default.removeItem(atPath: controlFolder)
    }
}

/// A counting gate for async code: at most `count` holders at once.
actor AsyncGate {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = count }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }

    nonisolated func holding<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}

/// A local helper process (ssh), awaited without blocking a cooperative thread.
enum Subprocess {
    struct Result: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: Data
        var timedOut: Bool
        var seconds: Double
    }

    static func run(_ executable: String, _ arguments: [String], input: Data = Data(), timeout: Double) async -> Result {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: runBlocking(executable, arguments, input: input, timeout: timeout)) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Runs to the end on the calling thread; the process is killed after `timeout` seconds.
    static func runBlocking(_ executable: String, _ arguments: [String], input: Data = Data(), timeout: Double = 30) -> Result {
        let started = Date()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch {
            return Result(status: -1, stdout: Data(), stderr: Data("cannot start \(executable): \(error)".utf8), timedOut: false, seconds: 0)
        }
        let collected = Mutex<(Data, Data)>((Data(), Data()))
        let readers = DispatchGroup()
        for (pipe, isOut) in [(stdout, true), (stderr, false)] {
            readers.enter()
            let reader = Thread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.withLock { if isOut { $0.0 = data } else { $0.1 = data } }
                readers.leave()
            }
            reader.start()
        }
        let writer = Thread {
            signal(SIGPIPE, SIG_IGN)
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        var timedOut = false
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            process.terminate()
            if finished.wait(timeout: .now() + 2) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                finished.wait()
            }
        }
        // A backgrounded ssh master may hold the pipes a moment longer: do not wait on it forever.
        _ = readers.wait(timeout: .now() + 5)
        let (out, err) = collected.withLock { $0 }
        return Result(
            status: process.terminationStatus, stdout: out, stderr: err, timedOut: timedOut,
            seconds: Date().timeIntervalSince(started))
    }
}
