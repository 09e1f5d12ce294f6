import Foundation
import HaloForgeCore
@testable import HaloForgeVerify
import Testing

/// A repeated sample gets its verdict again without a run; anything that decides the verdict
/// is part of the key.
@Suite struct VerdictCacheTests {
    @Test func repeatedSampleCostsNothing() async throws {
        let cached = try Verifier()
        let sample = Sample(id: "c", language: .python, candidate: .code("def twice(x):\n    return 2 * x\n"), test: pyCheck, entryPoint: "twice")
        let first = await verify(sample, using: cached)
        #expect(first.reward == 1.0 && first.runSeconds > 0, "\(first.detail)")
        let start = Date()
        let again = await cached.verify(sample)  // not through the test slots: nothing runs
        #expect(Date().timeIntervalSince(start) < 0.05)
        #expect(again.reward == 1.0 && again.runSeconds == 0 && again.detail == first.detail)
        // a different test, prompt or language is a different sample
        let wrongTest = Sample(id: "c", language: .python, candidate: .code("def twice(x):\n    return 2 * x\n"), test: "assert twice(2) == 5\n")
        #expect(await verify(wrongTest, using: cached).reward < 1.0)
        await cached.forgetVerdicts()
        let fresh = await verify(sample, using: cached)
        #expect(fresh.runSeconds > 0)
    }

    @Test func timeLimitsAreNotKept() async {
        let cache = VerdictCache(capacity: 2)
        let timedOut = Verdict(reward: 0.5, outcome: .timedOut, detail: "wall time limit")
        await cache.store(timedOut, for: "a")
        #expect(await cache.verdict(for: "a") == nil)
        for key in ["x", "y", "z"] { await cache.store(Verdict(reward: 1, outcome: .passed, detail: key), for: key) }
        #expect(await cache.verdict(for: "x") == nil)  // the oldest went first
        #expect(await cache.verdict(for: "z")?.detail == "z")
    }
}
