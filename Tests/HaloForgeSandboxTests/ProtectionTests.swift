import Foundation
@testable import HaloForgeSandbox
import Testing

/// Every protection of a run is named with how this host enforces it, or why it cannot.
@Suite struct ProtectionTests {
    static let names = [
        "total-memory", "shared-memory", "run-processes", "cpu-share", "scratch-size", "scratch-files", "network",
        "private-root", "own-uid", "seccomp",
    ]

    /// Root with a cgroup per run (this host, CI): nothing is left unenforced, so no verdict
    /// carries a note.
    @Test func rootWithCgroupsEnforcesEveryProtection() throws {
        try #require(geteuid() == 0 && sharedJail.cgroups.version != nil, "this state needs root and a cgroup per run")
        #expect(sharedJail.protections.map(\.name) == Self.names)
        let missing = sharedJail.protections.filter { !$0.enforced }.map(\.name)
        #expect(missing.isEmpty, "\(missing)")
        #expect(sharedJail.unenforcedNote == nil)
    }

    /// The fallback says it has no network namespace and no private root.
    @Test func fallbackNamesWhatItDoesNotIsolate() throws {
        let jail = try Jail(JailConfiguration(isolation: .fallback))
        #expect(jail.protections.map(\.name) == Self.names)
        let note = try #require(jail.unenforcedNote)
        #expect(note.contains("network, private-root (requested with --sandbox fallback)"), "\(note)")
        #expect(!note.contains("seccomp"))
    }
}

extension RootlessJailTests {
    static func details(_ output: String) -> [String: String] {
        var details: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = object["id"] as? String, let detail = object["detail"] as? String
            else { continue }
            details[id] = detail
        }
        return details
    }

    static let helloRecord = record("hello", c: "#include <stdio.h>\nint main(void) { puts(\"5\"); return 0; }\n", stdout: "5\n")

    /// Root on a host whose cgroups are out of reach (here unmounted in a mount namespace of the
    /// test's own, as in a container without them): every verdict and the smoke test say which
    /// limits that leaves unbounded; the leased uid still bounds the run's processes.
    @Test func rootWithoutCgroupsNamesTheUnboundedLimits() throws {
        let (_, bin) = try Self.requireUser()
        try #require(geteuid() == 0, "unmounting the cgroup hierarchies in a mount namespace needs root")
        func withoutCgroups(_ argv: [String]) -> [String] {
            ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
             "umount -l /sys/fs/cgroup && exec " + argv.map { "'\($0)'" }.joined(separator: " ")]
        }
        let result = try Self.run(withoutCgroups([bin + "/halo-forge", "verify", "-"]), stdin: Self.helloRecord)
        #expect(Self.rewards(result.stdout)["hello"] == 1.0, "\(result.stdout) \(result.stderr)")
        let note = "; unenforced: total-memory, shared-memory, cpu-share (no cgroup per run: no cgroup v2 mounted; no cgroup v1 memory hierarchy)"
        #expect(Self.details(result.stdout)["hello"] == "1/1 I/O cases passed" + note, "\(result.stdout)")

        let smoke = try Self.run(withoutCgroups([bin + "/halo-forge", "test", "--level", "smoke", "--timeout", "5"]), timeout: 240)
        let lines = smoke.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("! limit total-memory, shared-memory, cpu-share — NOT ENFORCED: no cgroup per run: no cgroup v2 mounted; no cgroup v1 memory hierarchy"), "\(smoke.stdout)")
        #expect(lines.contains("✓ limit run-processes — the process rlimit of the run's own uid"))
        #expect(lines.contains("✓ limit seccomp — a system call allowlist"))
        #expect(smoke.status == 0, "\(smoke.stdout) \(smoke.stderr)")
    }

    /// An ordinary user gets no cgroup (this host binds the controllers to cgroup v1, which only
    /// root may write) and no tmpfs scratch: each verdict says so, once.
    @Test func verdictsOfAnOrdinaryUserNameTheUnboundedLimits() throws {
        let (user, bin) = try Self.requireUser()
        try #require(user.subordinateRange != nil, "this state needs a subordinate range for \(user.name)")
        let result = try Self.run(user.command([bin + "/halo-forge", "verify", "-"]), stdin: Self.helloRecord)
        #expect(Self.rewards(result.stdout)["hello"] == 1.0, "\(result.stdout) \(result.stderr)")
        let detail = Self.details(result.stdout)["hello"] ?? ""
        #expect(detail.hasPrefix("1/1 I/O cases passed; unenforced: total-memory, shared-memory, cpu-share (no cgroup per run: "), "\(detail)")
        #expect(detail.hasSuffix("; scratch-size, scratch-files (a host folder, bounded per file only: a tmpfs per sample needs root)"), "\(detail)")
        #expect(detail.components(separatedBy: "unenforced:").count == 2)
        #expect(!detail.contains("own-uid") && !detail.contains("run-processes"), "\(detail)")
    }
}
