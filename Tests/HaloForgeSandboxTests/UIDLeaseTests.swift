import Foundation
import Testing

/// As root each run gets a dedicated uid from a block leased host-wide: two halo-forge
/// processes that are both pid 1 (containers) must not share one.
@Suite(.serialized) struct UIDLeaseTests {
    @Test func twoProcessesInSeparatePidNamespacesDoNotShareUids() async throws {
        try #require(geteuid() == 0, "dedicated uids (and unshare --pid) need root")
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path + "/halo-forge"
        // A fills its uid's process count with sleepers for 4 s; B compiles meanwhile. With a
        // shared uid, B's compiler could not fork (RLIMIT_NPROC counts per uid, host-wide).
        let hog = RootlessJailTests.record("hog", c: #"""
            #include <unistd.h>
            #include <stdio.h>
            int main(void) { int made = 0; for (int i = 0; i < 200; i++) { pid_t p = fork(); if (p == 0) { sleep(30); _exit(0); } if (p > 0) made++; }
              printf("%d\n", made); fflush(stdout); sleep(30); return 0; }
            """#, stdout: "never\n")
        let honest = (0..<4).map { i in
            RootlessJailTests.record("honest\(i)", c: #"""
                #include <stdio.h>
                int main(void) { int a, b; if (scanf("%d %d", &a, &b) != 2) return 1; printf("%d\n", a + b); return 0; }
                """#, stdin: "2 3\n", stdout: "5\n")
        }.joined()
        let inNamespace = ["/usr/bin/unshare", "--pid", "--fork", "--mount-proc", bin, "verify", "--jobs", "1", "--timeout", "4", "-"]
        async let a = Task.detached { try RootlessJailTests.run(inNamespace, stdin: hog) }.value
        try await Task.sleep(for: .milliseconds(1500))
        let b = try RootlessJailTests.run(inNamespace, stdin: honest)
        let hogged = try await a
        #expect(RootlessJailTests.rewards(hogged.stdout)["hog"] != nil, "\(hogged.stdout) \(hogged.stderr)")
        let rewards = RootlessJailTests.rewards(b.stdout)
        #expect(rewards.count == 4 && rewards.values.allSatisfy { $0 == 1.0 }, "the neighbour's sleepers broke honest samples: \(b.stdout)")
    }
}
