public import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// The one way halo-forge runs a helper program to its end (a compiler probe, ssh, pip, a
/// Python check): started with posix_spawn and reaped here. Not Foundation's Process: it
/// takes a child that closes its inherited descriptors (ssh and sshd do at start-up) for an
/// exited one and blocks its monitor thread in waitpid. Long-lived processes that stream
/// (the model worker, vLLM, the tracker reporter) keep their own handles.
public enum Subprocess {
    public struct Result: Sendable {
        /// Exit status, or 128 + signal as a shell reports it; -1 when it could not start.
        public var status: Int32
        public var stdout: Data
        public var stderr: Data
        public var timedOut: Bool
        public var seconds: Double

        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Where one of the child's output streams goes.
    public enum Output: Sendable {
        case capture
        case discard
        /// Onto one of ours (`STDERR_FILENO`: a set-up step's progress for the person watching).
        case forward(Int32)
    }

    /// `runBlocking` on a thread of its own, so no cooperative thread waits on the child.
    public static func run(
        _ executable: String, _ arguments: [String], input: Data = Data(), timeout: Double? = nil,
        environment: [String: String]? = nil, stdout: Output = .capture, stderr: Output = .capture
    ) async -> Result {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    returning: runBlocking(
                        executable, arguments, input: input, timeout: timeout, environment: environment,
                        stdout: stdout, stderr: stderr))
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Runs to the end on the calling thread, feeding `input` and reading both outputs at once
    /// (neither pipe fills and stalls the child); killed after `timeout` seconds, if given.
    /// `environment` replaces ours. It starts in our working directory.
    public static func runBlocking(
        _ executable: String, _ arguments: [String], input: Data = Data(), timeout: Double? = nil,
        environment: [String: String]? = nil, stdout: Output = .capture, stderr: Output = .capture
    ) -> Result {
        let started = Date()
        func failed(_ why: String) -> Result {
            Result(status: -1, stdout: Data(), stderr: Data("cannot start \(executable): \(why)".utf8), timedOut: false, seconds: 0)
        }
        // A child that stops reading must not kill halo-forge with SIGPIPE.
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
        for (fd, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
            switch output {
            case .capture: posix_spawn_file_actions_adddup2(&actions, fds[Int(fd)][1], fd)
            case .discard: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .forward(let ours): posix_spawn_file_actions_adddup2(&actions, ours, fd)
            }
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            for arg in argv { free(arg) }
            for entry in envp ?? [] { free(entry) }
        }
        var pid: pid_t = 0
        let spawned = envp.map { posix_spawn(&pid, executable, &actions, nil, argv, $0) } ?? posix_spawn(&pid, executable, &actions, nil, argv, environ)
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
        let deadline = timeout.map { started.addingTimeInterval($0) }
        var timedOut = false
        var killedAt: Date?
        while !open.isEmpty {
            var polls = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if writeFD >= 0 { polls.append(pollfd(fd: writeFD, events: Int16(POLLOUT), revents: 0)) }
            let left = deadline?.timeIntervalSinceNow ?? 1
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
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: code, stdout: output[0], stderr: output[1], timedOut: timedOut, seconds: Date().timeIntervalSince(started))
    }
}
