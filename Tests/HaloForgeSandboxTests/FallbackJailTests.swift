import Foundation
@testable import HaloForgeSandbox
import Testing

/// The fallback (no namespaces) still bounds time, processes and output, and leaves
/// nothing running behind.
@Suite struct FallbackJailTests {
    static let jail: Jail = {
        do { return try Jail(JailConfiguration(isolation: .fallback)) } catch { fatalError("\(error)") }
    }()

    func run(_ source: String, limits: Limits = Limits(wallSeconds: 3, cpuSeconds: 2)) async throws -> RunRecord {
        let jail = Self.jail
        return try await jail.withScratch { scratch in
            try compile(source, in: scratch)
            return await jail.run([scratch.path + "/prog"], in: scratch, limits: limits)
        }
    }

    @Test func saysItIsTheFallback() {
        #expect(Self.jail.isolation == .fallback)
        #expect(Self.jail.featureSummary.hasPrefix("FALLBACK"))
    }

    @Test func exitStatusAndSleeperTimeout() async throws {
        #expect(try await run("int main(void) { return 7; }").summary == "exit 7")
        let sleeper = try await run("#include <unistd.h>\nint main(void) { sleep(60); }", limits: Limits(wallSeconds: 1, cpuSeconds: 5))
        #expect(sleeper.status == .wallTimeLimit)
    }

    @Test func daemonIsKilledWithItsUid() async throws {
        try #require(geteuid() == 0, "the fallback's dedicated uid needs root")
        let marker = "hf-fallback-daemon-\(UInt32.random(in: 0..<UInt32.max))"
        let record = try await run(daemonProgram(marker: marker))
        #expect(record.status == .ok)
        #expect(try await processesMatching(marker) == 0, "a daemon outlived its sandbox")
    }

    @Test func forkBombIsBoundedByTheUidProcessLimit() async throws {
        try #require(geteuid() == 0, "RLIMIT_NPROC binds only a non-root uid")
        let record = try await run(#"""
            #include <unistd.h>
            #include <stdio.h>
            int main(void) { int made = 0; for (int i = 0; i < 10000; i++) { pid_t p = fork(); if (p == 0) { for (;;) pause(); } if (p > 0) made++; }
              printf("%d\n", made); return 0; }
            """#, limits: Limits(wallSeconds: 5, cpuSeconds: 5, processes: 16))
        let made = Int(record.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(made >= 0 && made < 16)
    }
}
