import Foundation
import Testing

/// The jail as an ordinary user runs it: a user namespace per run. CI runs as root, so
/// the suite makes an unprivileged user and runs the built binaries as that user.
@Suite(.serialized) struct RootlessJailTests {
    /// A finished child process.
    struct Finished {
        var status: Int32
        var stdout: String
        var stderr: String
        var pid: Int32 = 0
    }

    /// Runs `argv`, feeding `stdin`; stderr goes through a file so neither pipe can fill up.
    static func run(
        _ argv: [String], stdin: String = "", timeout: TimeInterval = 300, environment: [String: String] = [:]
    ) throws -> Finished {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let errPath = FileManager.default.temporaryDirectory.path + "/hf-rootless-err-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { unlink(errPath) }
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        let timer = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Finished(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: err, pid: process.processIdentifier)
    }

    /// The ordinary user the suite runs things as, created when missing (needs root).
    struct User: Sendable {
        let name: String
        let uid: UInt32
        let gid: UInt32
        let home: String

        static let shared: User? = {
            let name = "hf-sandbox"
            if geteuid() != 0 {
                // Already an ordinary user: run everything as ourselves.
                guard let pw = getpwuid(geteuid()) else { return nil }
                return User(name: String(cString: pw.pointee.pw_name), uid: geteuid(), gid: getegid(), home: String(cString: pw.pointee.pw_dir))
            }
            if getpwnam(name) == nil {
                let made = try? RootlessJailTests.run(["/usr/sbin/useradd", "--create-home", "--shell", "/bin/sh", name])
                guard made?.status == 0 else { return nil }
            }
            guard let pw = getpwnam(name) else { return nil }
            let home = String(cString: pw.pointee.pw_dir)
            if !FileManager.default.fileExists(atPath: home) {
                mkdir(home, 0o700)
                chown(home, pw.pointee.pw_uid, pw.pointee.pw_gid)
            }
            // A subordinate range, so each of the user's runs gets a uid of its own.
            let ranges = ["/etc/subuid", "/etc/subgid"].map { (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "" }
            if ranges.contains(where: { !$0.split(separator: "\n").contains { $0.hasPrefix(name + ":") } }) {
                _ = try? RootlessJailTests.run([
                    "/usr/sbin/usermod", "--add-subuids", "3000000-3065535", "--add-subgids", "3000000-3065535", name,
                ])
            }
            return User(name: name, uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid, home: home)
        }()

        /// This user's subordinate uid and gid ranges: (first uid, count, first gid).
        var subordinateRange: (uid: UInt32, count: UInt32, gid: UInt32)? {
            func range(_ path: String) -> (UInt32, UInt32)? {
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                for line in text.split(separator: "\n") {
                    let f = line.split(separator: ":")
                    if f.count == 3, f[0] == name || f[0] == "\(uid)", let s = UInt32(f[1]), let c = UInt32(f[2]) { return (s, c) }
                }
                return nil
            }
            guard let u = range("/etc/subuid"), let g = range("/etc/subgid") else { return nil }
            return (u.0, min(u.1, g.1), g.0)
        }

        /// `argv` run as this user.
        func command(_ argv: [String]) -> [String] {
            geteuid() == 0 ? ["/usr/sbin/runuser", "-u", name, "--"] + argv : argv
        }

        /// `argv` run as this user in the same process (setpriv execs it), so its pid is known.
        func exec(_ argv: [String]) -> [String] {
            geteuid() == 0 ? ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups"] + argv : argv
        }
    }

    /// The folder of the built binaries, copied where the user can read them when the
    /// checkout is not (a build under /root).
    static let binaries: String? = {
        let built = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        guard let user = User.shared else { return nil }
        let check = try? run(user.command(["/bin/sh", "-c", "test -x '\(built)/halo-forge' && test -r '\(built)/halo-forgePackageTests.xctest'"]))
        if check?.status == 0 { return built }
        let copy = "/tmp/halo-forge-rootless-bin"
        let fm = FileManager.default
        try? fm.removeItem(atPath: copy)
        try? fm.createDirectory(atPath: copy, withIntermediateDirectories: true)
        chmod(copy, 0o755)
        for entry in (try? fm.contentsOfDirectory(atPath: built)) ?? []
        where entry == "halo-forge" || entry == "halo-forgePackageTests.xctest" || entry.hasSuffix(".resources") {
            try? fm.copyItem(atPath: built + "/" + entry, toPath: copy + "/" + entry)
        }
        _ = try? run(["/bin/chmod", "-R", "a+rX", copy])
        return copy
    }()

    static func requireUser() throws -> (User, String) {
        let user = try #require(User.shared, "cannot create the unprivileged test user (useradd needs root)")
        let bin = try #require(binaries, "the built binaries are not reachable by \(user.name)")
        return (user, bin)
    }

    /// One `verify` record: a C program whose only I/O case expects `stdout`.
    static func record(_ id: String, c source: String, stdin: String = "", stdout: String) -> String {
        let object: [String: Any] = ["id": id, "language": "c", "code": source, "io": [["stdin": stdin, "stdout": stdout]]]
        let data = try! JSONSerialization.data(withJSONObject: object)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func rewards(_ output: String) -> [String: Double] {
        var rewards: [String: Double] = [:]
        for line in output.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = object["id"] as? String, let reward = object["reward"] as? Double
            else { continue }
            rewards[id] = reward
        }
        return rewards
    }

    @Test func attackSuitePassesAsAnOrdinaryUser() throws {
        let (user, bin) = try Self.requireUser()
        let result = try Self.run(user.command([
            bin + "/halo-forgePackageTests.xctest", "--testing-library", "swift-testing", "--filter", "JailAttackTests",
        ]), timeout: 240)
        #expect(result.status == 0, "JailAttackTests as \(user.name): \(result.stdout.suffix(3000)) \(result.stderr.suffix(2000))")
        // swift-testing reports on stderr.
        #expect((result.stdout + result.stderr).contains("Suite JailAttackTests passed"))
    }

    @Test func smokeReportsFullIsolationAsAnOrdinaryUser() throws {
        let (user, bin) = try Self.requireUser()
        let result = try Self.run(user.command([bin + "/halo-forge", "test", "--level", "smoke", "--jobs", "2"]), timeout: 240)
        let sandbox = result.stdout.split(separator: "\n").first { $0.contains("sandbox — ") }.map(String.init) ?? ""
        #expect(sandbox.hasPrefix("✓ sandbox — namespaces (user"), "smoke as \(user.name): \(result.stdout) \(result.stderr)")
        #expect(sandbox.contains("all capabilities dropped"))
        #expect(sandbox.contains("limits: "))
        #expect(!result.stdout.contains("FALLBACK") && !result.stderr.contains("FALLBACK"))
        // What an ordinary user cannot have is said, one line per reason.
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("! limit total-memory, shared-memory, cpu-share — NOT ENFORCED: no cgroup per run: ") }, "\(result.stdout)")
        #expect(lines.contains("! limit scratch-size, scratch-files — NOT ENFORCED: a host folder, bounded per file only: a tmpfs per sample needs root"))
        #expect(lines.contains("✓ limit own-uid — a subordinate uid per run"))
        for line in result.stdout.split(separator: "\n") where line.contains("sandbox: a busy loop is stopped") {
            #expect(line.hasPrefix("✓"), "\(line)")
        }
        // A first run as a new user passes: a Python without pytest is said, not failed.
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("all checks passed"), "\(result.stdout)")
    }

    @Test func sampleCannotReadTheUsersHomeConnectOutOrKillTheUsersProcesses() throws {
        let (user, bin) = try Self.requireUser()
        let tag = UInt32.random(in: 0..<UInt32.max)
        let secret = user.home + "/.hf-secret-\(tag)"
        let planted = user.home + "/.hf-pwned-\(tag)"
        try "ssh key".write(toFile: secret, atomically: true, encoding: .utf8)
        chown(secret, user.uid, user.gid)
        chmod(secret, 0o600)
        defer { unlink(secret); unlink(planted) }

        // A loopback port the sample must not reach.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        listen(listener, 8)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))

        // A process of the same user outside the jail: kill(-1) in the sample must not reach it.
        let bystander = Process()
        if geteuid() == 0 {
            bystander.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            bystander.arguments = ["--reuid", "\(user.uid)", "--regid", "\(user.gid)", "--clear-groups", "/bin/sleep", "20"]
        } else {
            bystander.executableURL = URL(fileURLWithPath: "/bin/sleep")
            bystander.arguments = ["20"]
        }
        try bystander.run()
        defer { bystander.terminate() }
        Thread.sleep(forTimeInterval: 0.3)

        let records = Self.record("home", c: #"""
            #include <stdio.h>
            int main(void) { FILE *f = fopen("\#(secret)", "r"); FILE *g = fopen("\#(planted)", "w"); FILE *h = fopen("/var/tmp/hf-pwned-\#(tag)", "w");
              printf("%d %d %d\n", f != NULL, g != NULL, h != NULL); return 0; }
            """#, stdout: "0 0 0\n")
            + Self.record("connect", c: #"""
            #include <arpa/inet.h>
            #include <stdio.h>
            #include <sys/socket.h>
            int main(void) { int s = socket(AF_INET, SOCK_STREAM, 0); struct sockaddr_in a = {0}; a.sin_family = AF_INET;
              a.sin_port = htons(\#(port)); inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
              printf("%d\n", connect(s, (struct sockaddr *)&a, sizeof a)); return 0; }
            """#, stdout: "-1\n")
            + Self.record("kill", c: #"""
            #include <signal.h>
            #include <stdio.h>
            int main(void) { kill(-1, SIGKILL); puts("alive"); return 0; }
            """#, stdout: "alive\n")
        let result = try Self.run(user.command([bin + "/halo-forge", "verify", "--jobs", "1", "-"]), stdin: records)
        #expect(result.status == 0, "verify as \(user.name): \(result.stderr)")
        let rewards = Self.rewards(result.stdout)
        #expect(rewards["home"] == 1.0, "the sample read or wrote the user's home: \(result.stdout)")
        #expect(rewards["connect"] == 1.0, "the sample reached a loopback port: \(result.stdout)")
        #expect(rewards["kill"] == 1.0, "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: planted))
        #expect(!FileManager.default.fileExists(atPath: "/var/tmp/hf-pwned-\(tag)"))
        var pending = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pending, 1, 0) == 0, "a connection arrived on the loopback port")
        #expect(bystander.isRunning, "kill(-1) in a sample reached another process of \(user.name)")
        #expect(!result.stderr.contains("FALLBACK"))
    }

    /// The host processes whose real uid is `uid`.
    static func processes(of uid: UInt32) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = Int32(entry),
                  let status = try? String(contentsOfFile: "/proc/\(entry)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }),
                  line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first == Substring("\(uid)")
            else { return nil }
            return pid
        }
    }

    /// Files named `prefix…` in the scratch folders under /tmp/halo-forge-*.
    static func scratchFiles(prefix: String) -> [String] {
        let fm = FileManager.default
        var found: [String] = []
        for root in ((try? fm.contentsOfDirectory(atPath: "/tmp")) ?? []) where root.hasPrefix("halo-forge-") {
            guard let walk = fm.enumerator(atPath: "/tmp/" + root) else { continue }
            while let path = walk.nextObject() as? String {
                if walk.level > 5 { walk.skipDescendants() }
                if (path as NSString).lastPathComponent.hasPrefix(prefix) { found.append("/tmp/\(root)/\(path)") }
            }
        }
        return found
    }

    /// With a subordinate range each run is a uid of its own: two concurrent runs of one user
    /// cannot signal each other's processes or write each other's files, checked from the
    /// host as each run's uid, and the files they leave are removed.
    @Test func concurrentRunsOfOneUserGetSubordinateUidsOfTheirOwn() async throws {
        let (user, bin) = try Self.requireUser()
        try #require(geteuid() == 0, "acting as a run's subordinate uid from the host needs root")
        let range = try #require(user.subordinateRange, "\(user.name) has no /etc/subuid and /etc/subgid range")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/newuidmap"), "newuidmap is missing (Debian package uidmap)")
        let smoke = try Self.run(user.command([bin + "/halo-forge", "test", "--level", "smoke", "--jobs", "1"]), timeout: 240)
        #expect(smoke.stdout.contains("namespaces (user: a subordinate uid per run from /etc/subuid"), "\(smoke.stdout)")

        let tag = "hf-mark-\(UInt32.random(in: 0..<UInt32.max))-"
        let records = ["a", "b"].map { id in
            Self.record(id, c: #"""
                #include <stdio.h>
                #include <sys/stat.h>
                #include <unistd.h>
                int main(void) { FILE *f = fopen("/tmp/\#(tag)\#(id)", "w"); if (!f) return 1; fclose(f);
                  chmod("/tmp/\#(tag)\#(id)", 0666); mkdir("/tmp/locked", 0700); mkdir("/tmp/locked/deeper", 0); chmod("/tmp/locked", 0);
                  sleep(15); printf("%d\n", (int)getuid()); return 0; }
                """#, stdout: "1000\n")
        }.joined()
        // Long sleeps and a patient poll: on a loaded 2-core machine one compile can finish
        // many seconds before the other, and both runs must be alive at once.
        let verify = Task.detached {
            try Self.run(user.command([bin + "/halo-forge", "verify", "--jobs", "2", "--timeout", "60", "-"]), stdin: records)
        }

        var marks: [String] = []
        for _ in 0..<900 where marks.count < 2 {
            try await Task.sleep(for: .milliseconds(100))
            marks = Self.scratchFiles(prefix: tag).sorted()
        }
        try #require(marks.count == 2, "the two runs' files did not appear together: \(marks)")
        var owner: [UInt32] = []
        for mark in marks {
            var st = stat()
            try #require(stat(mark, &st) == 0)
            owner.append(st.st_uid)
            var folder = stat()
            try #require(stat((mark as NSString).deletingLastPathComponent, &folder) == 0)
            // The scratch stays the caller's; the run reaches it through its own group only.
            #expect(folder.st_uid == user.uid && folder.st_mode & 0o7777 == 0o770)
            #expect(folder.st_gid == range.gid + (st.st_uid - range.uid), "scratch group \(folder.st_gid) for uid \(st.st_uid)")
        }
        #expect(owner[0] != owner[1], "two concurrent runs share uid \(owner[0])")
        for uid in owner {
            #expect(uid != user.uid && uid >= range.uid && uid < range.uid + range.count, "uid \(uid) is not from \(user.name)'s subordinate range")
        }
        let programs = owner.map { Self.processes(of: $0) }
        try #require(programs.allSatisfy { !$0.isEmpty }, "no host process runs as \(owner)")

        for (me, other) in [(0, 1), (1, 0)] {
            let gid = range.gid + (owner[me] - range.uid)
            func asRun(_ script: String) throws -> Int32 {
                try Self.run(["/usr/bin/setpriv", "--reuid=\(owner[me])", "--regid=\(gid)", "--clear-groups", "/bin/sh", "-c", script]).status
            }
            // The same checks against the run's own process and file succeed: the test can tell.
            #expect(try asRun("kill -0 \(programs[me][0])") == 0)
            #expect(try asRun("echo own >> '\(marks[me])'") == 0)
            #expect(try asRun("kill -KILL \(programs[other].map(String.init).joined(separator: " "))") != 0)
            #expect(try asRun("echo pwned >> '\(marks[other])'") != 0, "run \(me) wrote the other run's file")
            #expect(try asRun("touch '\((marks[other] as NSString).deletingLastPathComponent)/planted'") != 0)
        }
        #expect(programs.allSatisfy { $0.allSatisfy { kill($0, 0) == 0 } }, "a run's process was killed by the other run's uid")

        let result = try await verify.value
        #expect(result.status == 0, "\(result.stderr)")
        let rewards = Self.rewards(result.stdout)
        #expect(rewards["a"] == 1.0 && rewards["b"] == 1.0, "\(result.stdout)")
        // Locked folders of subordinate uids included, nothing of the runs is left behind.
        #expect(Self.scratchFiles(prefix: tag).isEmpty)
        for mark in marks {
            #expect(!FileManager.default.fileExists(atPath: (mark as NSString).deletingLastPathComponent), "\(mark)'s scratch is left")
        }
    }

    /// wine refuses a prefix its user does not own: with subordinate uids the folders the
    /// verifier made in the scratch must become the run's, as they do as root.
    @Test func windowsProgramsRunUnderWineWithSubordinateUids() throws {
        let (user, bin) = try Self.requireUser()
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/x86_64-w64-mingw32-gcc"), "MinGW-w64 is missing (scripts/install-test-deps.sh)")
        let record = Self.record("wine", c: #"""
            #include <stdio.h>
            int main(void) { int a, b; if (scanf("%d %d", &a, &b) != 2) return 1; printf("%d\n", a + b); return 0; }
            """#, stdin: "2 3\n", stdout: "5\n")
        let result = try Self.run(user.command([bin + "/halo-forge", "verify", "--target", "mingw", "-"]), stdin: record)
        #expect(result.stderr.contains("a subordinate uid per run"), "\(result.stderr)")
        #expect(Self.rewards(result.stdout)["wine"] == 1.0, "\(result.stdout) \(result.stderr)")
    }

    /// A host without a range for the user (here /etc/subuid hidden by an empty file in a
    /// mount namespace of the test's own): each run keeps the caller's uid, as root inside,
    /// and the smoke line says why.
    @Test func withoutASubordinateRangeEachRunKeepsTheCallersUid() throws {
        let (user, bin) = try Self.requireUser()
        try #require(geteuid() == 0, "hiding /etc/subuid in a mount namespace needs root")
        let empty = "/tmp/hf-empty-subuid-\(UInt32.random(in: 0..<UInt32.max))"
        FileManager.default.createFile(atPath: empty, contents: Data())
        defer { unlink(empty) }
        func withoutRange(_ argv: [String]) -> [String] {
            let quoted = user.command(argv).map { "'\($0)'" }.joined(separator: " ")
            return ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                    "mount --bind \(empty) /etc/subuid && mount --bind \(empty) /etc/subgid && exec \(quoted)"]
        }
        let smoke = try Self.run(withoutRange([bin + "/halo-forge", "test", "--level", "smoke", "--jobs", "1"]), timeout: 240)
        let sandbox = smoke.stdout.split(separator: "\n").first { $0.contains("sandbox — ") }.map(String.init) ?? ""
        #expect(sandbox.hasPrefix("✓ sandbox — namespaces (user: one uid per user namespace (no /etc/subuid range)"), "\(smoke.stdout) \(smoke.stderr)")
        let record = Self.record("uid", c: #"""
            #include <stdio.h>
            #include <unistd.h>
            int main(void) { printf("%d\n", (int)getuid()); return 0; }
            """#, stdout: "0\n")
        let result = try Self.run(withoutRange([bin + "/halo-forge", "verify", "-"]), stdin: record)
        #expect(Self.rewards(result.stdout)["uid"] == 1.0, "\(result.stdout) \(result.stderr)")
        let detail = Self.details(result.stdout)["uid"] ?? ""
        #expect(detail.contains("; own-uid (runs share the caller's uid, one user namespace each: no /etc/subuid range)"), "\(detail)")
        #expect(detail.contains("total-memory, shared-memory, run-processes, cpu-share (no cgroup per run: "), "\(detail)")
    }

    /// Runs `argv` as the user inside a user namespace whose user.max_user_namespaces is 0:
    /// a real refusal, as a host with user namespaces switched off gives.
    static func refusingUserNamespaces(_ user: User, _ argv: [String]) throws -> [String] {
        try #require(geteuid() == 0, "simulating the refusal needs root (it writes a namespace's uid_map)")
        let script = """
            import ctypes, os, sys
            libc = ctypes.CDLL(None, use_errno=True)
            uid, gid = int(sys.argv[1]), int(sys.argv[2])
            r, w = os.pipe(); r2, w2 = os.pipe()
            pid = os.fork()
            if pid == 0:
                if libc.unshare(0x10000000) != 0:
                    sys.exit("unshare: " + os.strerror(ctypes.get_errno()))
                os.write(w, b"1"); os.read(r2, 1)
                with open("/proc/sys/user/max_user_namespaces", "w") as f:
                    f.write("0\\n")
                os.setgroups([]); os.setgid(gid); os.setuid(uid)
                os.execv(sys.argv[3], sys.argv[3:])
            os.read(r, 1)
            with open(f"/proc/{pid}/uid_map", "w") as f:
                f.write(f"0 0 1\\n{uid} {uid} 1\\n")
            with open(f"/proc/{pid}/gid_map", "w") as f:
                f.write(f"0 0 1\\n{gid} {gid} 1\\n")
            os.write(w2, b"1")
            _, status = os.waitpid(pid, 0)
            sys.exit(os.waitstatus_to_exitcode(status))
            """
        let python = try #require(["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) })
        return [python, "-I", "-c", script, "\(user.uid)", "\(user.gid)"] + argv
    }

    @Test func refusedUserNamespacesStopVerifyUnlessFallbackIsAsked() throws {
        let (user, bin) = try Self.requireUser()
        let tag = UInt32.random(in: 0..<UInt32.max)
        let witness = "/tmp/hf-refusal-witness-\(tag)"
        defer { unlink(witness) }
        // Running at all would leave a file in the host's /tmp (no private /tmp without namespaces).
        let records = Self.record("ran", c: #"""
            #include <stdio.h>
            int main(void) { FILE *f = fopen("\#(witness)", "w"); if (f) fclose(f); puts("ran"); return 0; }
            """#, stdout: "ran\n")
        let refused = try Self.run(try Self.refusingUserNamespaces(user, [bin + "/halo-forge", "verify", "-"]), stdin: records)
        #expect(refused.status != 0)
        let lines = refused.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(refused.stderr)")
        let message = refused.stderr
        #expect(message.contains("user.max_user_namespaces"), "\(message)")
        #expect(message.contains("--sandbox fallback"), "\(message)")
        #expect(Self.rewards(refused.stdout).isEmpty, "a record was verified: \(refused.stdout)")
        #expect(!FileManager.default.fileExists(atPath: witness), "a sample ran without the sandbox")

        let smoke = try Self.run(try Self.refusingUserNamespaces(user, [bin + "/halo-forge", "test", "--level", "smoke"]))
        #expect(smoke.status != 0)
        #expect(smoke.stdout.contains("✗ sandbox"), "\(smoke.stdout)")

        let fallback = try Self.run(
            try Self.refusingUserNamespaces(user, [bin + "/halo-forge", "verify", "--sandbox", "fallback", "-"]), stdin: records)
        #expect(fallback.status == 0, "\(fallback.stderr)")
        #expect(Self.rewards(fallback.stdout)["ran"] == 1.0, "\(fallback.stdout)")
        #expect(fallback.stderr.contains("FALLBACK"))
    }

    /// A venv made from a Python that has neither pytest nor numpy, holding `package`;
    /// kept between runs under /tmp so PyPI is asked once.
    static func venv(with package: String) throws -> String {
        let base = try #require(
            ["/usr/bin/python3", "/usr/local/bin/python3"].first { path in
                FileManager.default.isExecutableFile(atPath: path)
                    && (try? run([path, "-I", "-c", "import pytest"]))?.status != 0
                    && (try? run([path, "-I", "-c", "import numpy"]))?.status != 0
            }, "no system Python without pytest and numpy to make the venvs from")
        let folder = "/tmp/halo-forge-test-venvs/\(package)"
        let python = folder + "/bin/python"
        if (try? run([python, "-c", "import \(package)"]))?.status == 0 { return python }
        try? FileManager.default.removeItem(atPath: folder)
        let made = try run([base, "-m", "venv", folder])
        try #require(made.status == 0, "python3 -m venv: \(made.stderr)")
        let pip = try run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", package], timeout: 600)
        try #require(pip.status == 0, "pip install \(package): \(pip.stderr)")
        _ = try run(["/bin/chmod", "-R", "a+rX", "/tmp/halo-forge-test-venvs"])
        return python
    }

    @Test func venvPackagesAreSeenInTheJail() throws {
        let (user, bin) = try Self.requireUser()
        let pytestVenv = try Self.venv(with: "pytest")
        let numpyVenv = try Self.venv(with: "numpy")
        let pytestRecord = #"{"id":"pytest","language":"python","code":"def inc(x):\n    return x + 1\n","test":"from solution import inc\n\ndef test_inc():\n    assert inc(1) == 2\n","test_framework":"pytest"}"# + "\n"
        let numpyRecord = #"{"id":"numpy","language":"python","code":"import numpy as np\ndef total(xs):\n    return int(np.sum(np.array(xs)))\n","test":"def check(candidate):\n    assert candidate([1, 2, 3]) == 6\n","entry_point":"total"}"# + "\n"
        for (python, record, id) in [(pytestVenv, pytestRecord, "pytest"), (numpyVenv, numpyRecord, "numpy")] {
            for argv in [[bin + "/halo-forge"], user.command([bin + "/halo-forge"])] {
                let result = try Self.run(argv + ["verify", "--python", python, "-"], stdin: record)
                #expect(result.status == 0, "\(result.stderr)")
                #expect(Self.rewards(result.stdout)[id] == 1.0, "\(id) with \(python) via \(argv): \(result.stdout)")
            }
        }
        // The smoke check names the interpreter as given, not the base Python the venv links to.
        let smoke = try Self.run(user.command([bin + "/halo-forge", "test", "--level", "smoke", "--python", pytestVenv]), timeout: 240)
        #expect(smoke.stdout.contains("✓ Python — \(pytestVenv)\n"), "\(smoke.stdout)")
        #expect(smoke.status == 0, "\(smoke.stdout)")
    }

    /// A compiler the jail cannot execute (here: its #! interpreter is not in the jail) is
    /// `error` 0.0 with the reason, never the model's `syntax_error`.
    @Test func compilerThatCannotStartIsAnErrorNotASyntaxError() throws {
        let (user, bin) = try Self.requireUser()
        let folder = "/tmp/hf-fakecc-\(UInt32.random(in: 0..<UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder + "/bin", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        chmod(folder, 0o755)
        try "#!/nonexistent-hf-interpreter/bin/cc\n".write(toFile: folder + "/bin/fakecc", atomically: true, encoding: .utf8)
        chmod(folder + "/bin/fakecc", 0o755)
        let record = #"{"id":"cc","language":"fake","code":"int main(void) { return 0; }"}"# + "\n"
        for argv in [[bin + "/halo-forge"], user.command([bin + "/halo-forge"])] {
            let result = try Self.run(argv + ["verify", "--custom", "fake:c:\(folder)/bin/fakecc {file} -o {output}", "-"], stdin: record)
            let object = try JSONSerialization.jsonObject(with: Data((result.stdout.split(separator: "\n").first ?? "").utf8)) as? [String: Any]
            #expect(object?["outcome"] as? String == "error", "\(result.stdout) \(result.stderr)")
            #expect(object?["reward"] as? Double == 0)
            #expect((object?["detail"] as? String)?.contains("the program did not start: cannot execute \(folder)/bin/fakecc") == true, "\(result.stdout)")
        }
    }

    /// Every process leaves no scratch root behind, also when its jail lives as long as the
    /// process (the attack suite's shared jail never reaches deinit). Each run gets a temporary
    /// folder of its own (TMPDIR), so what is left there is that process's alone.
    @Test func scratchRootsAreRemovedAtExit() throws {
        let (user, bin) = try Self.requireUser()
        let record = #"{"id":"one","language":"c","code":"int main(void) { return 0; }"}"# + "\n"
        let attackSuite = [bin + "/halo-forgePackageTests.xctest", "--testing-library", "swift-testing", "--filter", "plainProgramRunsAndExitsZero"]
        for argv in [[bin + "/halo-forge", "verify", "-"], attackSuite, user.exec([bin + "/halo-forge", "verify", "-"]), user.exec(attackSuite)] {
            var template = Array("/tmp/hf-tmpdir-XXXXXX".utf8CString)
            let tmp = try #require(mkdtemp(&template).map { String(cString: $0) })
            defer { try? FileManager.default.removeItem(atPath: tmp) }
            chmod(tmp, 0o1777)
            let result = try Self.run(argv, stdin: record, environment: ["TMPDIR": tmp])
            #expect(result.status == 0, "\(argv): \(result.stderr.suffix(2000))")
            let left = ((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).filter { $0.hasPrefix("halo-forge-") }
            #expect(left.isEmpty, "\(argv) left \(left) behind in \(tmp)")
        }
    }
}
