internal import Foundation
internal import HaloForgeCore
internal import HaloForgeSandbox
internal import Synchronization
#if canImport(Glibc)
internal import Glibc
#endif

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
    /// Why the connection could not be opened: later samples fail at once with it
    /// instead of each trying (and waiting) again.
    private let failure = Mutex<String?>(nil)

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
        if let failure = failure.withLock({ $0 }) { throw JailError(failure) }
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
            let why = Self.lastLines(result.stderr, count: 2)
            let message = "cannot connect to \(host) over ssh: \(why.isEmpty ? "ssh exited with \(result.status)" : why)"
            failure.withLock { $0 = message }
            throw JailError(message)
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
            let why = Self.lastLines(result.stderr, count: 2)
            throw JailError("ssh session to \(host) failed: \(why)")
        }
        return result
    }

    /// The last lines ssh wrote, on one line. ssh ends its messages with "\r\n".
    static func lastLines(_ data: Data, count: Int) -> String {
        String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .suffix(count).map { String($0.prefix(200)) }.joined(separator: " | ")
    }

    /// Ends the master and removes the control folder.
    func close() {
        if FileManager.default.fileExists(atPath: controlPath), let ssh = try? Self.sshPath() {
            _ = Subprocess.runBlocking(ssh, common + ["-O", "exit", host], timeout: 30)
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
