import Foundation
import HaloForgeCore
import HaloForgeData
@testable import HaloForgeRAFT
import Testing

/// A run folder made by the loop before it became a state machine (`raft train` of commit
/// 725fa02 with the tiny model, killed with SIGKILL while cycle 2 sampled its second request;
/// see Tests/Fixtures/README.md) still reads and resumes: same tables, same metric keys.
struct RAFTCompatibilityTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path + "/Fixtures/raft-run-725fa02"

    /// The fixture's prompts (Tests/Fixtures/raft-run-725fa02/prompts.jsonl), as the run had them.
    static let tasks = [
        ("c/add", "Write a C program that reads two integers and prints their sum.", "2 3\n", "5\n"),
        ("c/max", "Write a C program that reads two integers and prints the larger.", "2 3\n", "3\n"),
        ("c/neg", "Write a C program that reads an integer and prints its negation.", "4\n", "-4\n"),
    ].map { BenchmarkTask(id: $0.0, language: .c, prompt: $0.1, completesPrompt: false, test: nil, io: [IOCase(stdin: $0.2, stdout: $0.3)]) }

    /// The run's settings (its stored config.yaml): 2 cycles, 43 samples per prompt, seed 5, threshold 0.
    static let configuration = fakeConfiguration {
        $0.cycles = 2
        $0.samplesPerPrompt = 43
        $0.seed = 5
        $0.rewardThreshold = 0
        $0.maxNewTokens = 16
        $0.stepsPerCycle = 2
    }

    /// A copy of the fixture: resuming writes to it.
    func copy() throws -> String {
        let folder = freshRunFolder("compat")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixture + "/run.sqlite", toPath: folder + "/run.sqlite")
        return folder
    }

    @Test func theStoredMetricsReadIntoCycleMetricsWithNoKeyLeftOver() throws {
        let folder = try copy()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let records = try RunStore(folder: folder).cycles()
        #expect(records.map(\.phase) == [.done, .generate])
        let done = records[0].metrics
        #expect(done.other.isEmpty, "keys this version does not know: \(done.other.keys.sorted())")
        #expect(Set(done.json.keys) == [
            "pool", "pool_excluded", "prompts_sampled", "prompts_with_signal", "sampling_rounds", "generate_tokens_per_second",
            "verify_samples_per_second", "samples", "kept", "mean_reward", "compile_rate", "pass_rate", "prompts_solved", "temperature",
            "filter_note", "trained", "train_steps", "loss", "grad_norm", "learning_rate", "train_tokens_per_second", "seconds",
        ])
        #expect(done.samples == 129 && done.kept == 129 && done.trained == true && done.trainSteps == 2 && done.promptsSampled == 3)
        #expect(CycleMetrics(json: done.json) == done)
    }

    /// Resumed with the fakes: only the prompt the kill left without samples is asked for,
    /// with the seed the first try would have used, and both cycles end done.
    @Test func aRunMadeByTheEarlierLoopResumes() async throws {
        let folder = try copy()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let before = try RunStore(folder: folder)
        let sampled = try before.promptsWithSamples(cycle: 1)
        let adapter = try #require(try before.cycles().first?.adapter)
        #expect(sampled.count == 2)
        let (generator, trainer, verifier) = (FakeGenerator(), FakeTrainer(), FakeVerifier())
        let unverified = try before.samples(cycle: 1, unverifiedOnly: true).count
        let (records, store) = try await runFake(folder, Self.configuration, tasks: Self.tasks, generator: generator, trainer: trainer, verifier: verifier)
        #expect(records.map(\.phase) == [.done, .done])
        let requests = await generator.requests
        let missing = try #require(Self.tasks.firstIndex { !sampled.contains($0.id) })
        #expect(requests.map(\.prompts) == [[Self.tasks[missing].id]])
        #expect(requests.first?.seed == 5 + 100_003 + missing && requests.first?.n == 43)
        #expect(verifier.verified.count == unverified + 43)
        #expect(try store.sampleCounts(cycle: 1) == (129, 129) && store.samples(cycle: 1, unverifiedOnly: true).isEmpty)
        #expect(await trainer.loads.map(\.adapter) == [adapter])
        #expect(await generator.adapters == [adapter, folder + "/adapters/cycle-2"])
        #expect(records[1].metrics.kept == 129 && records[1].metrics.trained == true)
    }
}
