internal import Foundation
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

/// A local helper process (ssh), started with posix_spawn and reaped here. Not
/// Foundation's Process: it takes a child that closes its inherited descriptors (ssh
/// and sshd do at start-up) for an exited one and blocks its monitor thread in waitpid.
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
        func failed(_ why: String) -> Result {
            Result(status: -1, stdout: Data(), stderr: Data("cannot start \(executable): \(why)".utf8), timedOut: false, seconds: 0)
        }
        // A remote end that stops reading must not kill halo-forge with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        var fds: [[Int32]] = []
        for _ in 0..<3 {
            var pair: [Int32] = [0, 0]
            guard pipe(&pair) == 0 else {
                for p in fds { close(p[0]); close(p[1]) }
                return failed(String(cString: strerror(errno)))
            }
            _ = fcntl(pair[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(pair[1], F_SETFD, FD_CLOEXEC)
            fds.append(pair)
        }
        // Child ends: stdin reads fds[0][0], stdout writes fds[1][1], stderr writes fds[2][1].
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, fds[0][0], 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1][1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[2][1], 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        posix_spawn_file_actions_destroy(&actions)
        close(fds[0][0])
        close(fds[1][1])
        close(fds[2][1])
        let stdinFD = fds[0][1]
        guard spawned == 0 else {
            close(stdinFD)
            close(fds[1][0])
            close(fds[2][0])
            return failed(String(cString: strerror(spawned)))
        }
        _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK)
        var output = [Data(), Data()]
        var open: [Int32] = [fds[1][0], fds[2][0]]
        var writeFD: Int32 = stdinFD
        var written = 0
        if input.isEmpty {
            close(writeFD)
            writeFD = -1
        }
        let bytes = [UInt8](input)
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = started.addingTimeInterval(timeout)
        var timedOut = false
        var killedAt: Date?
        while !open.isEmpty {
            var polls = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if writeFD >= 0 { polls.append(pollfd(fd: writeFD, events: Int16(POLLOUT), revents: 0)) }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 && killedAt == nil {
                timedOut = true
                kill(pid, SIGKILL)
                killedAt = Date()
            }
            // After a kill, a grandchild may still hold the pipes: give them a moment, no more.
            if let killedAt, Date().timeIntervalSince(killedAt) > 2 { break }
            let wait = killedAt == nil ? max(1, min(1000, Int32(left * 1000))) : 100
            let ready = poll(&polls, nfds_t(polls.count), wait)
            if ready < 0 && errno != EINTR { break }
            for p in polls where p.revents != 0 {
                if p.fd == writeFD {
                    let n = bytes.withUnsafeBytes { write(writeFD, $0.baseAddress! + written, bytes.count - written) }
                    if n > 0 { written += n }
                    if (n < 0 && errno != EAGAIN && errno != EINTR) || written == bytes.count {
                        close(writeFD)
                        writeFD = -1
                    }
                    continue
                }
                let n = read(p.fd, &buffer, buffer.count)
                if n > 0 {
                    output[p.fd == fds[1][0] ? 0 : 1].append(contentsOf: buffer[0..<n])
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(p.fd)
                    open.removeAll { $0 == p.fd }
                }
            }
        }
        for fd in open { close(fd) }
        if writeFD >= 0 { close(writeFD) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Exit status, or 128 + signal as a shell reports it.
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: code, stdout: output[0], stderr: output[1], timedOut: timedOut, seconds: Date().timeIntervalSince(started))
    }
}
