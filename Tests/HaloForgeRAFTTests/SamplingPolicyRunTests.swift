import Foundation
import HaloForgeCore
@testable import HaloForgeRAFT
import Testing

/// Dynamic sampling and the pass-rate window through a real `raft train` run with the tiny
/// model, the real verifier and the run store. The untrained tiny model passes no test, so no
/// prompt carries signal: every refill round is spent, and every sampled prompt leaves the pool.
@Suite(.serialized) struct SamplingPolicyRunTests {
    var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("halo-forge").path
    }

    @Test func refillRoundsAndThePoolWindowAreStoredPerCycle() throws {
        let run = FileManager.default.temporaryDirectory.path + "/hf-policy-\(getpid())"
        try? FileManager.default.removeItem(atPath: run)
        let config = run + ".yaml"
        try """
            dynamic_sampling: true
            dynamic_sampling_rounds: 1
            prompts_per_cycle: 2
            curriculum_strategy: pass_rate_window
            pass_rate_window: 1
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "raft", "train", "--config", config, "--output", run, "--model", "tiny", "--limit", "12", "--cycles", "2",
            "--samples-per-prompt", "2", "--max-new-tokens", "24", "--steps-per-cycle", "2", "--seed", "3", "--timeout", "5",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")

        let store = try RunStore(folder: run)
        let cycles = try store.cycles()
        #expect(cycles.count == 2)
        // Cycle 1: 2 prompts without signal → refill at the floor rate of 25 %: 8 more, then the round budget is spent.
        let first = try #require(cycles.first?.metrics)
        #expect(first["prompts_sampled"]?.intValue == 10 && first["sampling_rounds"]?.intValue == 2 && first["prompts_with_signal"]?.intValue == 0)
        let samples = try store.samples(cycle: 0)
        let sampled = Set(samples.map(\.promptID))
        #expect(sampled.count == 10 && samples.count == 20)
        // Cycle 2: the ten prompts that failed every sample sit out; the two never sampled remain.
        let second = try #require(cycles.last?.metrics)
        #expect(second["pool"]?.intValue == 2)
        #expect(Set((second["pool_excluded"]?.arrayValue ?? []).compactMap(\.stringValue)) == sampled)
        let later = Set(try store.samples(cycle: 1).map(\.promptID))
        #expect(later.count == 2 && later.isDisjoint(with: sampled))
    }
}
