import Foundation
@testable import HaloForgeSandbox
import Testing

/// One jail for the whole suite: namespaces where the host has them.
let sharedJail: Jail = {
    do { return try Jail() } catch { fatalError("cannot build the jail: \(error)") }
}()

/// Compiles `source` with the host's gcc into the scratch folder as `prog`.
func compile(_ source: String, in scratch: Scratch) throws {
    try scratch.write("prog.c", source)
    let gcc = Process()
    gcc.executableURL = URL(fileURLWithPath: "/usr/bin/gcc")
    gcc.arguments = ["-O1", "-o", scratch.hostPath + "/prog", scratch.hostPath + "/prog.c"]
    try gcc.run()
    gcc.waitUntilExit()
    #expect(gcc.terminationStatus == 0, "gcc failed on the attack program")
}

/// A program whose grandchild leaves the session and sleeps with `marker` on its command line.
func daemonProgram(marker: String) -> String {
    #"""
    #include <unistd.h>
    int main(void) { if (fork() == 0) { setsid(); if (fork() == 0) { close(1); close(2);
      char *args[] = {"/bin/sleep", "30", "\#(marker)", 0}; execv(args[0], args); } _exit(0); } return 0; }
    """#
}

/// How many processes on the host have `marker` on their command line, after a moment.
func processesMatching(_ marker: String) async throws -> Int {
    try await Task.sleep(for: .milliseconds(200))
    let ps = Process()
    ps.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
    ps.arguments = ["-c", "-f", marker]
    let pipe = Pipe()
    ps.standardOutput = pipe
    try ps.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    ps.waitUntilExit()
    return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
}

func runAttack(_ source: String, limits: Limits = Limits(wallSeconds: 3, cpuSeconds: 2)) async throws -> RunRecord {
    try await sharedJail.withScratch { scratch in
        try compile(source, in: scratch)
        return await sharedJail.run([scratch.path + "/prog"], in: scratch, limits: limits)
    }
}

@Suite struct JailAttackTests {
    @Test func plainProgramRunsAndExitsZero() async throws {
        let record = try await runAttack("#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }")
        #expect(record.status == .ok)
        #expect(record.stdoutText == "hello\n")
    }

    @Test func exitStatusAndSignalAreReported() async throws {
        let exited = try await runAttack("int main(void) { return 3; }")
        #expect(exited.status == .runtimeError)
        #expect(exited.summary == "exit 3")
        let crashed = try await runAttack("int main(void) { volatile int *p = 0; return *p; }")
        #expect(crashed.status == .signaled)
        #expect(crashed.summary == "signal 11 (SIGSEGV)")
    }

    @Test func busyLoopHitsTheCPULimit() async throws {
        let record = try await runAttack("int main(void) { for (;;) {} }", limits: Limits(wallSeconds: 5, cpuSeconds: 1))
        #expect(record.status == .cpuTimeLimit)
    }

    @Test func sleeperHitsTheWallLimit() async throws {
        let record = try await runAttack(
            "#include <unistd.h>\nint main(void) { sleep(100); }", limits: Limits(wallSeconds: 1, cpuSeconds: 5))
        #expect(record.status == .wallTimeLimit)
        #expect(record.wallSeconds < 3)
    }

    @Test func forkBombIsContained() async throws {
        let record = try await runAttack(#"""
            #include <unistd.h>
            #include <stdio.h>
            int main(void) { int made = 0; for (int i = 0; i < 10000; i++) { pid_t p = fork(); if (p == 0) { for (;;) pause(); } if (p > 0) made++; }
              printf("%d\n", made); return 0; }
            """#, limits: Limits(wallSeconds: 5, cpuSeconds: 5, processes: 32))
        #expect(record.status == .ok)
        let made = Int(record.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(made >= 0 && made < 32, "the process limit let \(made) children through")
    }

    @Test func memoryHogIsStopped() async throws {
        let record = try await runAttack(#"""
            #include <stdlib.h>
            #include <string.h>
            #include <stdio.h>
            int main(void) { for (int i = 0; i < 4096; i++) { char *p = malloc(1 << 20); if (!p) { fputs("Cannot allocate memory\n", stderr); return 1; } memset(p, 1, 1 << 20); } return 0; }
            """#, limits: Limits(wallSeconds: 5, cpuSeconds: 5, memoryMiB: 128))
        #expect(record.status == .memoryLimit)
    }

    @Test func hugeFileIsStopped() async throws {
        let record = try await runAttack(#"""
            #include <stdio.h>
            int main(void) { FILE *f = fopen("big", "w"); static char block[1 << 16]; for (int i = 0; i < 100000; i++) fwrite(block, 1, sizeof block, f); fclose(f); return 0; }
            """#, limits: Limits(wallSeconds: 5, cpuSeconds: 5, fileSizeMiB: 4))
        #expect(record.status == .fileSizeLimit)
    }

    @Test func endlessOutputIsCappedWithoutDeadlock() async throws {
        let record = try await runAttack(#"""
            #include <stdio.h>
            int main(void) { for (;;) { fputs("spam spam spam spam\n", stdout); fputs("eggs\n", stderr); } }
            """#, limits: Limits(wallSeconds: 5, cpuSeconds: 5, outputKiB: 64))
        #expect(record.status == .outputLimit)
        #expect(record.stdout.count <= 64 << 10)
    }

    @Test func networkIsUnreachable() async throws {
        try #require(sharedJail.isolation == .namespaces, "network isolation needs namespaces")
        let record = try await runAttack(#"""
            #include <arpa/inet.h>
            #include <stdio.h>
            #include <sys/socket.h>
            #include <unistd.h>
            int main(void) { int s = socket(AF_INET, SOCK_STREAM, 0); struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(53);
              inet_pton(AF_INET, "1.1.1.1", &a.sin_addr); int rc = connect(s, (struct sockaddr *)&a, sizeof a);
              struct sockaddr_in l = {0}; l.sin_family = AF_INET; l.sin_port = htons(22); inet_pton(AF_INET, "127.0.0.1", &l.sin_addr);
              int s2 = socket(AF_INET, SOCK_STREAM, 0); int rc2 = connect(s2, (struct sockaddr *)&l, sizeof l);
              printf("%d %d\n", rc, rc2); return 0; }
            """#)
        #expect(record.stdoutText == "-1 -1\n")
    }

    @Test func nothingOutsideScratchIsWritable() async throws {
        let record = try await runAttack(#"""
            #include <stdio.h>
            int main(void) { const char *paths[] = {"/etc/hf-pwned", "/usr/hf-pwned", "/hf-pwned", "/var/tmp/hf-pwned", "/dev/shm/hf-pwned", "/root/hf-pwned", "scratch-ok"};
              for (int i = 0; i < 7; i++) { FILE *f = fopen(paths[i], "w"); printf("%d", f != NULL); if (f) fclose(f); } puts(""); return 0; }
            """#)
        #expect(record.stdoutText == "0000001\n")
        for path in ["/etc/hf-pwned", "/usr/hf-pwned", "/hf-pwned", "/var/tmp/hf-pwned", "/dev/shm/hf-pwned", "/root/hf-pwned"] {
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func rootOnlyFilesAndHomesAreUnreadable() async throws {
        let secret = FileManager.default.temporaryDirectory.path + "/hf-secret-\(getpid())"
        try "top secret".write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0o600)
        defer { unlink(secret) }
        let record = try await runAttack(#"""
            #include <stdio.h>
            int main(void) { const char *paths[] = {"/etc/shadow", "\#(secret)", "/root/.bashrc", "/etc/passwd"};
              for (int i = 0; i < 4; i++) { FILE *f = fopen(paths[i], "r"); printf("%d", f != NULL); if (f) fclose(f); } puts(""); return 0; }
            """#)
        #expect(record.stdoutText == "0001\n")
    }

    @Test func killMinusOneCannotReachTheOrchestrator() async throws {
        let record = try await runAttack(#"""
            #include <signal.h>
            #include <stdio.h>
            #include <unistd.h>
            int main(void) { int a = kill(-1, SIGKILL); int b = kill(getppid(), SIGKILL); int c = kill(0, SIGTERM); printf("%d %d %d\n", a, b, c); return 0; }
            """#)
        // We are still here to check; the program may have killed only itself.
        #expect(record.status != .internalError)
        #expect(kill(getpid(), 0) == 0)
    }

    @Test func daemonDoesNotOutliveTheRun() async throws {
        let marker = "hf-daemon-\(UInt32.random(in: 0..<UInt32.max))"
        let record = try await runAttack(daemonProgram(marker: marker))
        #expect(record.status == .ok)
        #expect(try await processesMatching(marker) == 0, "a daemon outlived its sandbox")
    }

    @Test func environmentIsScrubbed() async throws {
        setenv("HF_SECRET_TOKEN", "leak", 1)
        let record = try await runAttack(#"""
            #include <stdio.h>
            #include <stdlib.h>
            int main(void) { printf("%s|%s\n", getenv("HF_SECRET_TOKEN") ? "leaked" : "clean", getenv("PATH")); return 0; }
            """#)
        #expect(record.stdoutText == "clean|/usr/local/bin:/usr/bin:/bin\n")
    }

    /// Root of a user namespace holds every capability there; the program must hold none,
    /// so it cannot remount its root, make namespaces, or trace and signal its init.
    @Test func programHoldsNoCapabilities() async throws {
        let record = try await runAttack(#"""
            #define _GNU_SOURCE
            #include <sched.h>
            #include <signal.h>
            #include <stdio.h>
            #include <string.h>
            #include <sys/mount.h>
            #include <sys/ptrace.h>
            #include <unistd.h>
            int main(void) {
              FILE *f = fopen("/proc/self/status", "r"); char line[256];
              while (fgets(line, sizeof line, f)) if (!strncmp(line, "Cap", 3) && strncmp(line, "CapAmb", 6)) fputs(line, stdout);
              int remount = mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL);
              int ns = unshare(CLONE_NEWNS);
              long trace = ptrace(PTRACE_ATTACH, 1, 0, 0);
              int chr = chroot("/tmp");
              printf("%d %d %ld %d\n", remount, ns, trace, chr); return 0; }
            """#)
        #expect(record.status == .ok, "\(record.summary) \(record.stderrText)")
        let zero = "0000000000000000"
        #expect(record.stdoutText == "CapInh:\t\(zero)\nCapPrm:\t\(zero)\nCapEff:\t\(zero)\nCapBnd:\t\(zero)\n-1 -1 -1 -1\n")
    }

    /// A compiler or program that cannot be executed is the sandbox's failure, not the
    /// sample's: a run record with status internalError and the reason, never "exit 127".
    @Test func programThatCannotStartIsASandboxError() async throws {
        for jail in [sharedJail, FallbackJailTests.jail] {
            let record = try await jail.withScratch { scratch in
                await jail.run(["/nonexistent/hf-compiler", "-c", "x.c"], in: scratch, limits: Limits(wallSeconds: 3))
            }
            #expect(record.status == .internalError, "\(jail.isolation): \(record.summary)")
            #expect(record.error == "the program did not start: cannot execute /nonexistent/hf-compiler: No such file or directory")
        }
    }

    /// Each run has a network namespace of its own: two concurrent samples cannot talk over
    /// an abstract unix socket (or loopback).
    @Test func concurrentRunsCannotTalkOverAbstractSockets() async throws {
        let name = "hf-talk-\(UInt32.random(in: 0..<UInt32.max))"
        let listener = #"""
            #include <poll.h>
            #include <stdio.h>
            #include <string.h>
            #include <sys/socket.h>
            #include <sys/un.h>
            int main(void) { int s = socket(AF_UNIX, SOCK_STREAM, 0); struct sockaddr_un a = {0}; a.sun_family = AF_UNIX;
              memcpy(a.sun_path + 1, "\#(name)", strlen("\#(name)"));
              if (bind(s, (struct sockaddr *)&a, sizeof(sa_family_t) + 1 + strlen("\#(name)")) != 0 || listen(s, 4) != 0) { puts("bind failed"); return 1; }
              struct pollfd p = {s, POLLIN, 0}; puts(poll(&p, 1, 2500) > 0 ? "contacted" : "alone"); return 0; }
            """#
        let caller = #"""
            #include <stdio.h>
            #include <string.h>
            #include <sys/socket.h>
            #include <sys/un.h>
            #include <unistd.h>
            int main(void) { usleep(500000); int s = socket(AF_UNIX, SOCK_STREAM, 0); struct sockaddr_un a = {0}; a.sun_family = AF_UNIX;
              memcpy(a.sun_path + 1, "\#(name)", strlen("\#(name)"));
              printf("%d\n", connect(s, (struct sockaddr *)&a, sizeof(sa_family_t) + 1 + strlen("\#(name)"))); return 0; }
            """#
        async let heard = runAttack(listener, limits: Limits(wallSeconds: 5, cpuSeconds: 2))
        async let called = runAttack(caller, limits: Limits(wallSeconds: 5, cpuSeconds: 2))
        let (l, c) = try await (heard, called)
        #expect(l.stdoutText == "alone\n", "\(l.summary) \(l.stdoutText)")
        #expect(c.stdoutText == "-1\n", "\(c.summary) \(c.stdoutText)")
    }

    /// Kernel interfaces a sample never needs are refused (EPERM; clone3 ENOSYS): io_uring,
    /// userfaultfd, perf, keyrings, bpf, mounts, new namespaces, ptrace.
    @Test func seccompRefusesRiskyKernelInterfaces() async throws {
        let record = try await runAttack(#"""
            #define _GNU_SOURCE
            #include <errno.h>
            #include <sched.h>
            #include <stdio.h>
            #include <sys/syscall.h>
            #include <unistd.h>
            static void t(const char *name, long rc) { printf("%s=%ld/%d ", name, rc, rc < 0 ? errno : 0); }
            int main(void) { char params[120] = {0}; char attr[128] = {0};
              t("io_uring", syscall(SYS_io_uring_setup, 4, params));
              t("userfaultfd", syscall(SYS_userfaultfd, 0));
              t("perf", syscall(SYS_perf_event_open, attr, 0, -1, -1, 0));
              t("add_key", syscall(SYS_add_key, "user", "hf-note", "left here", 9, -4));
              t("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -4, 0));
              t("bpf", syscall(SYS_bpf, 0, attr, sizeof attr));
              t("mount", syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, 0));
              t("unshare", syscall(SYS_unshare, CLONE_NEWUSER));
              t("clone3", syscall(SYS_clone3, attr, 88));
              t("ptrace", syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0));
              puts(""); return 0; }
            """#)
        #expect(record.status == .ok, "\(record.summary) \(record.stderrText)")
        let expected = "io_uring=-1/1 userfaultfd=-1/1 perf=-1/1 add_key=-1/1 keyctl=-1/1 bpf=-1/1 mount=-1/1 unshare=-1/1 clone3=-1/38 ptrace=-1/1 \n"
        #expect(record.stdoutText == expected)
    }

    /// An allowlist, not a denylist: kernel interfaces that no list of bad calls named are
    /// refused too (EPERM), raw numbers newer than the list answer ENOSYS, and so does clone3
    /// even when it asks for a user namespace (its flags sit where a filter cannot read them).
    @Test func seccompAllowlistRefusesWhatADenylistLetThrough() async throws {
        let record = try await runAttack(#"""
            #define _GNU_SOURCE
            #include <errno.h>
            #include <fcntl.h>
            #include <linux/sched.h>
            #include <sched.h>
            #include <signal.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <sys/personality.h>
            #include <sys/socket.h>
            #include <sys/syscall.h>
            #include <sys/uio.h>
            #include <unistd.h>
            static void t(const char *name, long rc) { printf("%s=%ld/%d ", name, rc, rc < 0 ? errno : 0); }
            int main(void) {
              struct file_handle *h = malloc(sizeof *h + 128); h->handle_bytes = 128; int mount_id;
              t("name_to_handle_at", syscall(SYS_name_to_handle_at, AT_FDCWD, "/usr", h, &mount_id, 0));
              t("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, h, O_RDONLY));
              char buf[8] = {0}; struct iovec local = {buf, 8}, remote = {buf, 8};
              t("process_vm_writev", syscall(SYS_process_vm_writev, getpid(), &local, 1, &remote, 1, 0));
              t("kcmp", syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, 1, 1));
              t("pidfd_getfd", syscall(SYS_pidfd_getfd, 0, 0, 0));
              t("netlink", socket(AF_NETLINK, SOCK_RAW, 0));
              t("personality", syscall(SYS_personality, ADDR_NO_RANDOMIZE));
              t("set_mempolicy", syscall(SYS_set_mempolicy, 0, 0, 0));
              t("seccomp", syscall(SYS_seccomp, 0 /* SECCOMP_SET_MODE_STRICT */, 0, 0));
              t("syncfs", syscall(SYS_syncfs, 1));
              t("mlock", syscall(SYS_mlock, buf, 8));
              t("clone_newuser", syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
              struct clone_args args = {0}; args.flags = CLONE_NEWUSER; args.exit_signal = SIGCHLD;
              t("clone3_newuser", syscall(SYS_clone3, &args, sizeof args));
              t("mseal", syscall(462, 0, 0, 0));
              t("unknown", syscall(1000, 0, 0, 0));
              puts(""); return 0; }
            """#)
        #expect(record.status == .ok, "\(record.summary) \(record.stderrText)")
        let expected = "name_to_handle_at=-1/1 open_by_handle_at=-1/1 process_vm_writev=-1/1 kcmp=-1/1 pidfd_getfd=-1/1 netlink=-1/1 personality=-1/1 set_mempolicy=-1/1 seccomp=-1/1 syncfs=-1/1 mlock=-1/1 clone_newuser=-1/1 clone3_newuser=-1/38 mseal=-1/38 unknown=-1/38 \n"
        #expect(record.stdoutText == expected)
    }

    /// What libc and an honest program use still works under the allowlist: threads (glibc
    /// falls back from clone3 to clone), fork and exec of a shell, pipes, unix sockets, a
    /// memfd, a temporary file, the default personality.
    @Test func seccompAllowlistKeepsOrdinaryProgramsWorking() async throws {
        let record = try await runAttack(#"""
            #define _GNU_SOURCE
            #include <pthread.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <sys/mman.h>
            #include <sys/personality.h>
            #include <sys/socket.h>
            #include <sys/wait.h>
            #include <unistd.h>
            static void *work(void *arg) { *(int *)arg += 1; return NULL; }
            int main(void) { int v = 41; pthread_t th;
              if (pthread_create(&th, NULL, work, &v) != 0 || pthread_join(th, NULL) != 0) return 10;
              int sv[2]; if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 11;
              int fd = memfd_create("x", 0); if (fd < 0 || ftruncate(fd, 4096) != 0) return 12;
              FILE *tmp = tmpfile(); if (!tmp) return 13;
              if (personality(0xffffffff) < 0 || personality(PER_LINUX) < 0) return 14;
              if (system("echo shell-ok") != 0) return 15;
              pid_t p = fork(); if (p == 0) _exit(7); int st; waitpid(p, &st, 0); if (WEXITSTATUS(st) != 7) return 16;
              printf("%d\n", v); return 0; }
            """#)
        #expect(record.status == .ok, "\(record.summary) \(record.stderrText)")
        #expect(record.stdoutText == "shell-ok\n42\n")
    }

    #if arch(x86_64)
    /// The other ABIs into an x86_64 kernel (x32 numbers, i386's int 0x80) kill the process.
    @Test func otherSystemCallABIsAreKilled() async throws {
        let x32 = try await runAttack(#"""
            #include <unistd.h>
            #include <sys/syscall.h>
            int main(void) { syscall(0x40000000 | SYS_getpid); return 0; }
            """#)
        #expect(x32.status == .signaled && x32.signal == SIGSYS, "\(x32.summary)")
        let i386 = try await runAttack(#"""
            int main(void) { long rc; __asm__ volatile("int $0x80" : "=a"(rc) : "a"(20L) : "memory"); return 0; }
            """#)
        #expect(i386.status == .signaled && i386.signal == SIGSYS, "\(i386.summary)")
    }
    #endif

    /// A note left in the uid's keyring by one sample is not there for the next.
    @Test func keyringNotesDoNotReachTheNextRun() async throws {
        let note = "hf-note-\(UInt32.random(in: 0..<UInt32.max))"
        let writer = try await runAttack(#"""
            #include <stdio.h>
            #include <sys/syscall.h>
            #include <unistd.h>
            int main(void) { printf("%ld\n", syscall(SYS_add_key, "user", "\#(note)", "secret", 6, -4 /* user keyring */)); return 0; }
            """#)
        let reader = try await runAttack(#"""
            #include <stdio.h>
            #include <sys/syscall.h>
            #include <unistd.h>
            int main(void) { printf("%ld\n", syscall(SYS_request_key, "user", "\#(note)", 0, 0)); return 0; }
            """#)
        #expect(writer.stdoutText == "-1\n")
        #expect(reader.stdoutText == "-1\n")
    }

    /// After pivot_root the run's mount table holds only what the jail mounted: none of the
    /// host's other mounts (e.g. /sys, /run, home folders) appear in /proc/self/mountinfo.
    /// (A bind mount's source path within its filesystem, field 4, still names the host
    /// scratch folder: only a tmpfs scratch would hide that.)
    @Test func mountinfoShowsOnlyTheJail() async throws {
        let record = try await runAttack(#"""
            #include <stdio.h>
            int main(void) { FILE *f = fopen("/proc/self/mountinfo", "r"); char line[4096];
                while (fgets(line, sizeof line, f)) { char point[2048]; if (sscanf(line, "%*s %*s %*s %*s %2047s", point) == 1) puts(point); }
              return 0; }
            """#)
        #expect(record.status == .ok)
        let points = record.stdoutText.split(separator: "\n").map(String.init)
        #expect(points.first == "/", "\(points)")
        let allowed = ["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/dev", "/box", "/tmp"]
        for point in points where point != "/" {
            #expect(allowed.contains { point == $0 || point.hasPrefix($0 + "/") }, "a host mount is visible in the jail: \(point)")
        }
        #expect(points.count > 5)
    }

    /// Shared memory (a memfd) is outside the address-space limit; a run's cgroup counts it.
    /// Where the host gives no cgroup, the jail must say that this is not bounded.
    @Test func sharedMemoryIsBoundedByTheRunsCgroup() async throws {
        guard sharedJail.cgroups.version != nil else {
            #expect(sharedJail.limitEnforcement.contains("shared memory, a run's total memory and its CPU share are not bounded"))
            return
        }
        let record = try await runAttack(#"""
            #define _GNU_SOURCE
            #include <stdio.h>
            #include <string.h>
            #include <sys/mman.h>
            #include <unistd.h>
            int main(void) { static char block[1 << 20]; memset(block, 7, sizeof block); int fd = -1;
              // Files of 32 MiB each: every one is under the file size limit.
              for (int mib = 1; mib <= 1536; mib++) { if (mib % 32 == 1) fd = memfd_create("hog", 0);
                if (write(fd, block, sizeof block) != sizeof block) { printf("refused at %d\n", mib); return 0; }
                if (mib % 64 == 0) { printf("%d\n", mib); fflush(stdout); } }
              puts("held 1536 MiB"); return 0; }
            """#, limits: Limits(wallSeconds: 10, cpuSeconds: 10, memoryMiB: 256))
        #expect(!record.stdoutText.contains("held 1536 MiB"), "\(record.summary): \(record.stdoutText)")
        let reached = record.stdoutText.split(separator: "\n").compactMap { Int($0) }.max() ?? 0
        #expect(reached <= 256, "the run held \(reached) MiB of shared memory under a 256 MiB limit")
        #expect(record.status == .memoryLimit, "\(record.summary)")
    }

    /// One run's many spinning processes must not starve a neighbour: each run's cgroup has
    /// an equal CPU share. Where the host gives no cgroup, the jail says so.
    @Test func cpuHogDoesNotStarveAnHonestNeighbour() async throws {
        guard sharedJail.cgroups.version != nil else {
            #expect(sharedJail.limitEnforcement.contains("CPU share are not bounded"))
            return
        }
        let hog = #"""
            #include <unistd.h>
            int main(void) { for (int i = 0; i < 30; i++) if (fork() == 0) break; for (;;) {} }
            """#
        // About 0.3 s of CPU alone; among 31 equal spinners on few cores it would take far longer.
        let honest = #"""
            #include <stdio.h>
            int main(void) { volatile unsigned long x = 0; for (unsigned long i = 0; i < 300000000UL; i++) x += i; printf("%lu\n", x > 0); return 0; }
            """#
        let alone = try await runAttack(honest, limits: Limits(wallSeconds: 20, cpuSeconds: 20))
        async let spinning = runAttack(hog, limits: Limits(wallSeconds: 5, cpuSeconds: 60, processes: 64))
        try await Task.sleep(for: .milliseconds(1000))
        let beside = try await runAttack(honest, limits: Limits(wallSeconds: 20, cpuSeconds: 20))
        _ = try await spinning
        #expect(beside.status == .ok)
        #expect(beside.wallSeconds < max(4 * alone.wallSeconds, 3), "alone \(alone.wallSeconds) s, beside the hog \(beside.wallSeconds) s")
    }

    /// The scratch folder is bounded in bytes and files (as root a tmpfs per sample): one
    /// sample wrote 1.5 GiB and 30,000 files into the host's temporary folder.
    @Test func scratchIsBoundedInBytesAndFiles() async throws {
        guard sharedJail.scratchIsTmpfs else {
            #expect(sharedJail.scratchEnforcement.contains("a tmpfs per sample needs root"))
            return
        }
        let record = try await runAttack(#"""
            #include <stdio.h>
            #include <string.h>
            int main(void) { static char block[1 << 20]; memset(block, 1, sizeof block); int files = 0, mib = 0; char name[64];
              for (int i = 0; i < 30000; i++) { snprintf(name, sizeof name, "f%d", i); FILE *f = fopen(name, "w"); if (!f) break; fclose(f); files++; }
              for (int i = 0; i < 48; i++) { snprintf(name, sizeof name, "big%d", i); FILE *f = fopen(name, "w"); if (!f) break;
                int ok = 1; for (int j = 0; j < 32 && ok; j++) { ok = fwrite(block, 1, sizeof block, f) == sizeof block && fflush(f) == 0; if (ok) mib++; }
                fclose(f); if (!ok) break; }
              printf("%d %d\n", files, mib); return 0; }
            """#, limits: Limits(wallSeconds: 20, cpuSeconds: 20, memoryMiB: 4096))
        let numbers = record.stdoutText.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        #expect(numbers.count == 2, "\(record.summary) \(record.stdoutText) \(record.stderrText)")
        if numbers.count == 2 {
            #expect(numbers[0] < 10_000, "made \(numbers[0]) files")
            #expect(numbers[1] <= 512, "wrote \(numbers[1]) MiB")
        }
    }

    /// The jail's init holds no handler of halo-forge's: signals a sample sends it are
    /// dropped (pid 1 of a namespace), and none runs halo-forge's crash reporter, which took
    /// the whole halo-forge process down.
    @Test func signalsToTheJailsInitCannotReachHaloForge() async throws {
        let record = try await runAttack(#"""
            #include <signal.h>
            #include <stdio.h>
            #include <unistd.h>
            int main(void) { int sigs[] = {SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGQUIT, SIGTERM, SIGINT, SIGUSR1};
              for (int i = 0; i < 11; i++) kill(1, sigs[i]);
              usleep(200000); puts("init survived"); return 0; }
            """#)
        #expect(record.status == .ok, "\(record.summary) \(record.error)")
        #expect(record.stdoutText == "init survived\n")
        #expect(kill(getpid(), 0) == 0)
    }
}
