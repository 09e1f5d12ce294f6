import Foundation
import HaloForgeCore
import HaloForgeData
import Testing

/// The data-generation pipeline with a scripted model and judge: no server, no sandbox.
@Suite struct TaskGenerationTests {
    static func reply(_ n: Int) -> String {
        #"{"task": "Write f\#(n).", "tests": "assert f\#(n)() == \#(n)", "solution": "def f\#(n)():\n    return \#(n)\n"}"#
    }

    @Test func keepsOnlyVerifiedRepliesInRequestOrderAndSaysWhyTheOthersWent() async throws {
        let generation = TaskGeneration(topic: "Sums & more", language: .python, count: 5, seed: 10, concurrency: 3)
        let report = try await generation.run(
            ask: { seed, prompt in
                #expect(prompt.contains("Sums & more"))
                // Request 1 (seed 11) answers without JSON; the later ones answer faster.
                try await Task.sleep(for: .milliseconds(5 * (20 - seed)))
                return seed == 11 ? "sorry" : Self.reply(seed)
            },
            verify: { samples in
                // The judge passes all but the sample of request 3 (seed 13).
                samples.map { $0.id.hasSuffix("-13") ? Verdict(reward: 0.7, outcome: .failedTests, detail: "1/2") : Verdict(reward: 1, outcome: .passed) }
            })
        #expect(report.parsed == 4)
        #expect(report.kept.map(\.id) == ["gen-sums---more-10", "gen-sums---more-12", "gen-sums---more-14"])
        #expect(report.entries.map(\.status) == [
            "kept", "unparsed: no JSON object in the reply", "kept", "unverified: failed_tests: 1/2", "kept",
        ])
        let lines = report.keptJSONL.split(separator: "\n")
        #expect(lines.count == 3)
        let first = try JSONValue.parse(Data(lines[0].utf8))
        #expect(first["code"] == .string("def f10():\n    return 10\n"))
        #expect(first["topic"] == .string("Sums & more"))
        let replies = JSONLines.lines(in: Data(report.repliesJSONL.utf8))
        #expect(replies.count == 5)
        #expect(try JSONLines.object(replies[1])["reply"] == .string("sorry"))
    }

    @Test func aFailedRequestStopsTheRunWithItsError() async {
        struct Down: Error {}
        let generation = TaskGeneration(topic: "t", language: .python, count: 20, seed: 0, concurrency: 2)
        await #expect(throws: Down.self) {
            _ = try await generation.run(
                ask: { seed, _ in
                    if seed == 3 { throw Down() }
                    return Self.reply(seed)
                },
                verify: { $0.map { _ in Verdict(reward: 1, outcome: .passed) } })
        }
    }

    @Test func badSettingsAreNamedByTheirFlag() {
        #expect(TaskGeneration(topic: "t", language: .cpp, count: 1, seed: 0, concurrency: 1).problem == nil)
        #expect(TaskGeneration(topic: "t", language: .python, count: 0, seed: 0, concurrency: 1).problem == "--count must be at least 1")
        #expect(TaskGeneration(topic: "t", language: Language(name: "rust"), count: 1, seed: 0, concurrency: 1).problem == "--language: python, c or cpp")
        #expect(TaskGeneration(topic: "t", language: .c, count: 1, seed: 0, concurrency: 0).problem == "--concurrency must be at least 1")
    }
}
