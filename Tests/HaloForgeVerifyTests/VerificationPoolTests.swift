import Foundation
import HaloForgeCore
import HaloForgeVerify
import Synchronization
import Testing

/// A stand-in verifier: the reward is the sample's number over 100, later samples finish
/// first, and it counts how many it judges at once. No compiler, no jail.
final class FakeVerifier: SampleVerifier {
    private let state = Mutex((now: 0, most: 0, judged: 0))

    func verify(_ sample: Sample) async -> Verdict {
        let n = Int(sample.id) ?? 0
        state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
        try? await Task.sleep(for: .milliseconds(2 * max(1, 20 - n)))
        state.withLock { $0.now -= 1; $0.judged += 1 }
        return Verdict(reward: Double(n) / 100, outcome: .ran, detail: sample.id)
    }

    var most: Int { state.withLock { $0.most } }
    var judged: Int { state.withLock { $0.judged } }
}

func numbered(_ count: Int) -> [Sample] {
    (0..<count).map { Sample(id: "\($0)", language: .python, candidate: .code("pass")) }
}

@Suite struct VerificationPoolTests {
    @Test func verdictsComeBackInInputOrder() async {
        let verdicts = await FakeVerifier().verifyAll(numbered(16), jobs: 4)
        #expect(verdicts.map(\.detail) == (0..<16).map { "\($0)" })
    }

    @Test(arguments: [1, 2, 6])
    func atMostJobsSamplesAreJudgedAtOnce(jobs: Int) async {
        let fake = FakeVerifier()
        _ = await fake.verifyAll(numbered(18), jobs: jobs)
        #expect(fake.most == jobs)
        #expect(fake.judged == 18)
    }

    @Test func progressSeesEverySampleOnceWithItsIndexAndARisingCount() async {
        var seen: [VerificationProgress] = []
        let verdicts = await FakeVerifier().verifyAll(numbered(10), jobs: 3) { seen.append($0) }
        #expect(seen.map(\.done) == Array(1...10))
        #expect(seen.allSatisfy { $0.total == 10 })
        #expect(Set(seen.map(\.index)) == Set(0..<10))
        for p in seen { #expect(p.verdict == verdicts[p.index]) }
    }

    @Test func anErrorFromProgressStopsThePool() async {
        struct StoreFailed: Error {}
        let fake = FakeVerifier()
        await #expect(throws: StoreFailed.self) {
            _ = try await fake.verifyAll(numbered(40), jobs: 2) { (p: VerificationProgress) throws(StoreFailed) in
                if p.done == 2 { throw StoreFailed() }
            }
        }
        #expect(fake.judged < 10)
    }

    @Test func cancelledSamplesThatNeverStartedGetAnErrorVerdict() async {
        let fake = FakeVerifier()
        let task = Task { await fake.verifyAll(numbered(200), jobs: 2) }
        try? await Task.sleep(for: .milliseconds(60))
        task.cancel()
        let verdicts = await task.value
        #expect(verdicts.count == 200)
        let cancelled = verdicts.filter { $0 == Verdict.cancelled }
        #expect(!cancelled.isEmpty)
        #expect(verdicts.count - cancelled.count == fake.judged)
        #expect(cancelled.allSatisfy { $0.outcome == .error && $0.reward == 0 })
    }
}

@Suite struct CompileCommandTests {
    @Test func aCandidateThatRunsIsBuiltWithTheVerifiersFlagsInOneOrder() {
        var c = VerifierConfiguration()
        c.warnings = ["-Wall"]
        c.cppWarnings = ["-Wno-x"]
        c.extraFlags = ["-DX"]
        var command = CompileCommand(candidate: c, compiler: "/usr/bin/g++", cplusplus: true, willRun: true, source: "main.cpp", output: "prog")
        command.includeDirs = ["/pch"]
        #expect(command.argv == [
            "/usr/bin/g++", "-std=\(c.cppStandard)", c.optimization, "-DX", "-I", "/pch", "-pipe", "-fdiagnostics-color=never",
            "-Wall", "-Wno-x", "-o", "prog", "main.cpp",
        ] + c.libraries)
        #expect(command.codeFlags == ["-std=\(c.cppStandard)", c.optimization, "-DX"])
    }

    @Test func aCandidateThatOnlyCompilesStopsAtAnObjectWithoutOptimisingOrLibraries() {
        var c = VerifierConfiguration()
        c.warnings = []
        let command = CompileCommand(candidate: c, compiler: "gcc", cplusplus: false, willRun: false, source: "main.c", output: "prog.o")
        #expect(command.argv == ["gcc", "-std=\(c.cStandard)", "-O0", "-pipe", "-fdiagnostics-color=never", "-c", "-o", "prog.o", "main.c"])
    }

    @Test func linkFlagsGoBeforeTheOutputAndPlainCommandsKeepTheCompilersDefaults() {
        var c = VerifierConfiguration()
        c.warnings = []
        var mingw = CompileCommand(candidate: c, compiler: "x86_64-w64-mingw32-gcc", cplusplus: false, willRun: true, source: "main.c", output: "prog.exe")
        mingw.linkFlags = ["-static"]
        #expect(mingw.arguments.suffix(4 + c.libraries.count) == ["-static", "-o", "prog.exe", "main.c"] + c.libraries)
        var plain = CompileCommand(compiler: "gcc", output: "t", sources: ["t.c"], link: true)
        plain.libraries = ["-lm"]
        #expect(plain.argv == ["gcc", "-o", "t", "t.c", "-lm"])
    }
}
