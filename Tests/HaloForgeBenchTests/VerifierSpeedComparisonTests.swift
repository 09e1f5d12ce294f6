import HaloForgeBench
import Testing

/// `speed verify`'s arithmetic: the best round of each side and the printed ratio.
@Suite struct VerifierSpeedComparisonTests {
    @Test func keepsEachSidesBestRoundAndPrintsTheRatio() {
        var c = VerifierSpeedComparison(dataset: "humaneval-x-cpp", samples: 10, jobs: 2, isolation: "namespaces", likeVerifier: false)
        c.add(verifierSeconds: 4, verifierPassed: 9, bareSeconds: 2, barePassed: 10)
        c.add(verifierSeconds: 2, verifierPassed: 10, bareSeconds: 5, barePassed: 10)
        #expect(c.verifierSeconds == 2 && c.bareSeconds == 2)
        #expect(c.verifierPassed == 10)
        let lines = c.description.split(separator: "\n").map(String.init)
        #expect(lines[0] == "dataset            humaneval-x-cpp (10 samples, 2 jobs, sandbox: namespaces)")
        #expect(lines[1] == "halo-forge verify      5.0 samples/s   10/10 reward 1.0")
        #expect(lines[2].hasSuffix("10/10 passed (plain tools)"))
        #expect(lines[3] == "ratio                 1.00 (halo-forge / bare)")
    }
}
