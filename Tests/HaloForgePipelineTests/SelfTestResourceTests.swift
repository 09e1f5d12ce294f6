import HaloForgeCore
@testable import HaloForgePipeline
import Testing

/// The self-test's samples ship as a resource file: they load, and each names a verdict to expect.
struct SelfTestResourceTests {
    @Test func smokeSamplesLoadFromTheResource() throws {
        let checks = try SmokeCheck.all()
        #expect(checks.count == 11)
        #expect(Set(checks.map(\.name)).count == checks.count)
        for language in [Language.c, .cpp, .python] { #expect(checks.contains { $0.sample.language == language }) }
        // Every check expects something a verdict can break.
        for check in checks {
            #expect(check.outcome != nil || check.reward != nil || check.rewardBelow != nil, "\(check.name) expects nothing")
        }
        let good = try #require(checks.first { $0.sample.id == "c-good" })
        #expect(good.sample.io == [IOCase(stdin: "2 3\n", stdout: "5\n")])
        #expect(good.expects(Verdict(reward: 1.0, outcome: .passed, detail: "")))
        #expect(!good.expects(Verdict(reward: 0.5, outcome: .compiled, detail: "")))
        let busy = try #require(checks.first { $0.sample.id == "busy" })
        #expect(busy.expects(Verdict(reward: 0.5, outcome: .timedOut, detail: "")))
        #expect(!busy.expects(Verdict(reward: 0.7, outcome: .ran, detail: "")))
    }
}
