import Foundation
import HaloForgeCore
import HaloForgeData
import HaloForgeSandbox
@testable import HaloForgeVerify
import Testing

/// A real OpenSSH server on a free loopback port, started by the test: a throwaway
/// host key and user key, its own authorized_keys, and a known_hosts file, so the
/// client keeps strict host key checking on. It logs every TCP connection it accepts.
final class LoopbackSSHD {
    let folder: String
    let port: Int
    /// The ssh client configuration file (`ssh -F`) naming the host `hf-loopback`.
    let clientConfig: String
    /// Parent of the verifier's scratch folders on the "remote" host.
    let remoteRoot: String
    /// sshd's pid. Not a Foundation Process: sshd closes its inherited descriptors at
    /// start-up, which Foundation takes for an exit (and then blocks in waitpid).
    private let pid: pid_t
    private let log: String

    init() throws {
        var template = Array("/tmp/hf-sshd-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw JailError("mkdtemp failed") }
        folder = String(cString: made)
        remoteRoot = folder + "/remote"
        try FileManager.default.createDirectory(atPath: remoteRoot, withIntermediateDirectories: true)
        for tool in ["/usr/sbin/sshd", "/usr/bin/ssh-keygen", "/usr/bin/ssh"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw JailError("\(tool) is missing: run scripts/install-test-deps.sh (Debian: apt-get install openssh-server openssh-client)")
        }
        try Self.shell("ssh-keygen -q -t ed25519 -N '' -f host_key && ssh-keygen -q -t ed25519 -N '' -f id_user && cp id_user.pub authorized_keys", in: folder)
        // sshd's privilege separation needs this folder when it runs as root.
        if getuid() == 0 { try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) }
        port = try Self.freePort()
        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        try """
            ListenAddress 127.0.0.1
            Port \(port)
            HostKey \(folder)/host_key
            AuthorizedKeysFile \(folder)/authorized_keys
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            StrictModes no
            UsePAM no
            PidFile none
            LogLevel VERBOSE

            """.write(toFile: folder + "/sshd_config", atomically: true, encoding: .utf8)
        let hostKey = try String(contentsOfFile: folder + "/host_key.pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        try "[127.0.0.1]:\(port) \(hostKey)\n".write(toFile: folder + "/known_hosts", atomically: true, encoding: .utf8)
        clientConfig = folder + "/ssh_config"
        try """
            Host hf-loopback
              HostName 127.0.0.1
              Port \(port)
              User \(user)
              IdentityFile \(folder)/id_user
              IdentitiesOnly yes
              IdentityAgent none
              UserKnownHostsFile \(folder)/known_hosts
              GlobalKnownHostsFile /dev/null
              StrictHostKeyChecking yes

            """.write(toFile: clientConfig, atomically: true, encoding: .utf8)
        log = folder + "/sshd.log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        let words: [String] = ["/usr/sbin/sshd", "-D", "-e", "-f", folder + "/sshd_config"]
        let argv = words.map { strdup($0) } + [nil]
        var spawned: pid_t = 0
        let failed = posix_spawn(&spawned, "/usr/sbin/sshd", &actions, nil, argv, environ)
        posix_spawn_file_actions_destroy(&actions)
        for arg in argv { free(arg) }
        guard failed == 0 else { throw JailError("cannot start sshd: \(String(cString: strerror(failed)))") }
        pid = spawned
        let deadline = Date().addingTimeInterval(15)
        while !logText.contains("Server listening on 127.0.0.1 port \(port)") {
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == 0, Date() < deadline else {
                throw JailError("sshd did not start: \(logText.suffix(400))")
            }
            usleep(20_000)
        }
    }

    deinit {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try? FileManager.default.removeItem(atPath: folder)
    }

    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// TCP connections sshd accepted so far.
    var connectionsAccepted: Int {
        logText.split(separator: "\n").filter { $0.contains("Connection from 127.0.0.1") }.count
    }

    func remoteConfiguration() -> RemoteConfiguration {
        var remote = RemoteConfiguration(host: "hf-loopback", kind: .posix)
        remote.sshArguments = ["-F", clientConfig]
        remote.scratchRoot = remoteRoot
        // gcc stands in for cl.exe through the configurable commands.
        let warnings = (VerifierConfiguration.defaultWarnings + ["-Wno-reorder"]).joined(separator: " ")
        remote.compileCpp = "g++ -std=gnu++20 -O2 \(warnings) {compile_only} -o {output} {source}"
        remote.compileC = "gcc -std=gnu17 -O2 \(VerifierConfiguration.defaultWarnings.joined(separator: " ")) {compile_only} -o {output} {source}"
        return remote
    }

    /// Scratch folders left on the "remote" host.
    var leftoverScratch: [String] { (try? FileManager.default.contentsOfDirectory(atPath: remoteRoot)) ?? [] }

    /// Processes whose working folder is under the remote scratch root.
    var remoteProcesses: [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        return pids.filter { pid in
            guard let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd") else { return false }
            return cwd.hasPrefix(remoteRoot)
        }
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw JailError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func shell(_ command: String, in folder: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw JailError("\(command) failed") }
    }
}

@Suite(.serialized) struct RemoteSSHTests {
    func makeVerifier(_ sshd: LoopbackSSHD, wallSeconds: Double = 10, runWithoutTests: Bool = false) throws -> Verifier {
        var configuration = VerifierConfiguration()
        configuration.runWithoutTests = runWithoutTests
        configuration.runLimits = Limits(wallSeconds: wallSeconds, cpuSeconds: wallSeconds, memoryMiB: 1024)
        configuration.remote = sshd.remoteConfiguration()
        return try Verifier(configuration: configuration)
    }

    @Test func humanEvalXCppSubsetPassesOverOneConnection() async throws {
        let sshd = try LoopbackSSHD()
        let (all, _) = try Datasets.load(.humanevalXCpp, folder: Datasets.defaultFolder())
        let samples = Array(all.prefix(16))
        #expect(samples.count == 16)
        var verifier: Verifier? = try makeVerifier(sshd)
        let started = Date()
        let verdicts = await verifyAll(samples, using: verifier!, slots: false)
        let seconds = Date().timeIntervalSince(started)
        verifier = nil  // closes the master connection
        let failing = verdicts.filter { $0.value.reward != 1.0 }.map { "\($0.key): \($0.value.outcome) \($0.value.detail)" }
        #expect(verdicts.count == 16)
        #expect(failing.isEmpty, "\(failing.prefix(5))")
        #expect(sshd.connectionsAccepted == 1, "sshd accepted \(sshd.connectionsAccepted) connections")
        #expect(sshd.leftoverScratch.isEmpty, "left on the host: \(sshd.leftoverScratch)")
        print(String(format: "remote: %d HumanEval-X C++ samples in %.2f s (%.2f samples/s) over %d TCP connection(s)",
            samples.count, seconds, Double(samples.count) / seconds, sshd.connectionsAccepted))
    }

    @Test func brokenSolutionsFail() async throws {
        let sshd = try LoopbackSSHD()
        let verifier = try makeVerifier(sshd)
        let (all, _) = try Datasets.load(.humanevalXCpp, folder: Datasets.defaultFolder())
        let problem = try #require(all.first { $0.id.hasSuffix("/2") })  // truncate_number
        func variant(_ code: String) -> Sample {
            Sample(id: problem.id, language: .cpp, candidate: .code(code), test: problem.test)
        }
        let wrong = variant("#include <math.h>\nfloat truncate_number(float number) { return number; }\n")
        let broken = variant("float truncate_number(float number) { return number - int(number) }\n")
        // Exits 0 before the tests with a made-up summary: no token, no pass.
        let forged = variant(
            "#include <cstdio>\n#include <cstdlib>\nfloat truncate_number(float n) { printf(\"DONE 0 3 3\\n\"); exit(0); }\n")
        let v1 = await verifier.verify(wrong)
        let v2 = await verifier.verify(broken)
        let v3 = await verifier.verify(forged)
        #expect(v1.outcome == .failedTests && v1.reward < 1.0, "\(v1.detail)")
        #expect(v2.outcome == .syntaxError && v2.reward == 0.0, "\(v2.detail)")
        #expect(v2.detail.contains("error"), "\(v2.detail)")
        #expect(v3.reward < 1.0 && v3.outcome != .passed, "\(v3.detail)")
        // Warnings lower the compile rung.
        let warned = Sample(id: "w", language: .c, candidate: .code("int f(int x) { if (x) return 1; }\n"))
        let v4 = await verifier.verify(warned)
        #expect(v4.outcome == .compiledWithWarnings && v4.reward == 0.3, "\(v4.detail)")
        let clean = Sample(id: "c", language: .c, candidate: .code("int f(int x) { return x; }\n"))
        let v5 = await verifier.verify(clean)
        #expect(v5.outcome == .compiled && v5.reward == 0.5, "\(v5.detail)")
        #expect(sshd.leftoverScratch.isEmpty, "left on the host: \(sshd.leftoverScratch)")
    }

    @Test func multiLineOutputComparesLineByLine() async throws {
        let sshd = try LoopbackSSHD()
        let verifier = try makeVerifier(sshd)
        let program = """
            #include <stdio.h>
            int main(void) { int n; if (scanf("%d", &n) != 1) return 1; for (int i = 1; i <= n; i++) printf("line %d\\n", i); return 0; }
            """
        let io = [IOCase(stdin: "3\n", stdout: "line 1\nline 2\nline 3\n"), IOCase(stdin: "2", stdout: "line 1\r\nline 2")]
        let good = await verifier.verify(Sample(id: "io", language: .c, candidate: .code(program), io: io))
        #expect(good.outcome == .passed && good.reward == 1.0, "\(good.detail)")
        let bad = await verifier.verify(
            Sample(id: "io2", language: .c, candidate: .code(program), io: [IOCase(stdin: "2\n", stdout: "line 1 line 2\n")]))
        #expect(bad.outcome == .failedTests && bad.testsPassed == 0, "\(bad.detail)")
        #expect(sshd.leftoverScratch.isEmpty, "left on the host: \(sshd.leftoverScratch)")
    }

    @Test func remoteTimeOutLeavesNoProcessBehind() async throws {
        let sshd = try LoopbackSSHD()
        let runner = try makeVerifier(sshd, wallSeconds: 2, runWithoutTests: true)
        // A child process and the program itself both spin forever.
        let spinner = """
            #include <unistd.h>
            int main(void) { fork(); for (;;) {} }
            """
        let started = Date()
        let verdict = await runner.verify(Sample(id: "spin", language: .c, candidate: .code(spinner)))
        #expect(verdict.outcome == .timedOut && verdict.reward == 0.5, "\(verdict.outcome) \(verdict.detail)")
        #expect(Date().timeIntervalSince(started) < 30)
        var left = sshd.remoteProcesses
        let deadline = Date().addingTimeInterval(3)
        while !left.isEmpty && Date() < deadline {
            try await Task.sleep(nanoseconds: 100_000_000)
            left = sshd.remoteProcesses
        }
        #expect(left.isEmpty, "processes left on the host: \(left)")
        #expect(sshd.leftoverScratch.isEmpty, "left on the host: \(sshd.leftoverScratch)")
    }

    @Test func aChangedHostKeyIsRefusedOnce() async throws {
        let sshd = try LoopbackSSHD()
        // known_hosts names another key for this host: strict checking must refuse it.
        try LoopbackSSHD.shell("ssh-keygen -q -t ed25519 -N '' -f other_key", in: sshd.folder)
        let other = try String(contentsOfFile: sshd.folder + "/other_key.pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        try "[127.0.0.1]:\(sshd.port) \(other)\n".write(toFile: sshd.folder + "/known_hosts", atomically: true, encoding: .utf8)
        let verifier = try makeVerifier(sshd)
        let samples = (0..<3).map { Sample(id: "k\($0)", language: .c, candidate: .code("int f(void) { return \($0); }\n")) }
        let verdicts = await verifyAll(samples, using: verifier, slots: false)
        for verdict in verdicts.values {
            #expect(verdict.outcome == .error && verdict.detail.contains("Host key verification failed"), "\(verdict.detail)")
        }
        // The failure is remembered: one attempt, not one per sample.
        #expect(sshd.connectionsAccepted == 1)
        #expect(sshd.logText.contains("Accepted") == false)
    }
}
