import Foundation
import HaloForgeCore
import HaloForgeData
import HaloForgeEngine
@testable import HaloForgeRAFT
import Testing

/// The loop's effects through its seams, with in-memory fakes and a real run store: crashes in
/// every phase, partial requests, changed prompts, the filter's thresholds, dynamic sampling and
/// the adapter probe. A crash is an error thrown by a fake at that point; the store then holds
/// what a kill -9 there leaves (the kill itself is RAFTResumeTests' job).
struct RAFTLoopTests {
    static let tasks = fakeTasks(12)

    /// A run that nothing interrupts: the reference a resumed run must match.
    func reference(_ c: RAFTConfiguration, tasks: [BenchmarkTask] = Self.tasks) async throws -> (state: String, generator: FakeGenerator, verifier: FakeVerifier) {
        let folder = freshRunFolder("reference")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (generator, verifier) = (FakeGenerator(), FakeVerifier())
        try await runFake(folder, c, tasks: tasks, generator: generator, verifier: verifier)
        return (try storedState(folder), generator, verifier)
    }

    @Test func aRunStoresEveryCycleWithItsMetrics() async throws {
        let folder = freshRunFolder("plain")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (generator, trainer) = (FakeGenerator(), FakeTrainer())
        let (records, store) = try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, generator: generator, trainer: trainer)
        #expect(records.map(\.phase) == [.done, .done])
        for record in records {
            #expect(try store.sampleCounts(cycle: record.cycle) == (12 * 16, 12 * 16))
            let m = record.metrics
            // Rewards cycle 0, 0.5, 1 over the sample index: 5 of 16 pass, 10 compile.
            #expect(m.samples == 192 && m.passRate == 60.0 / 192 && m.compileRate == 120.0 / 192)
            #expect(m.kept == 120 && m.trained == true && m.trainSteps == 2 && m.loss == 1.25 && m.promptsSampled == 12 && m.samplingRounds == 1)
            #expect(m.adapterProbe?["passed"] == .bool(true))
            #expect(m.json.keys.contains("filter_note") && m.json["filter_note"] == .null)
            #expect(m.seconds != nil && m.generateTokensPerSecond != nil && m.verifySamplesPerSecond != nil)
            #expect(record.adapter == folder + "/adapters/cycle-\(record.cycle + 1)")
        }
        // Two requests per cycle (8 + 4 prompts); cycle 2 loads nothing new, its adapter comes from training.
        #expect(await generator.requests.map(\.prompts.count) == [8, 4, 8, 4])
        #expect(await trainer.trainings.map(\.examples.count) == [120, 120])
        #expect(await trainer.loads.map(\.adapter) == [nil])
        #expect(FileManager.default.fileExists(atPath: folder + "/samples.jsonl"))
    }

    /// Sequential (a CPU whose cores the model fills) and overlapped verification store the same.
    @Test func verificationBesideGenerationStoresWhatTakingTurnsDoes() async throws {
        let folder = freshRunFolder("turns")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, generator: FakeGenerator(competes: true))
        #expect(try storedState(folder) == (try await reference(fakeConfiguration())).state)
    }

    /// A crash after the first request of cycle 1: the resumed run asks only for the missing
    /// prompts, with the seed the first try would have used, and ends as if nothing happened.
    @Test func aCrashDuringGenerationResumesWithTheMissingRequestOnly() async throws {
        let folder = freshRunFolder("generate")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let crashing = FakeGenerator(crashAfterRequests: 1)
        await #expect(throws: Crash.self) { try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, generator: crashing) }
        let store = try RunStore(folder: folder)
        #expect(try store.promptsWithSamples(cycle: 0).count == 8)
        #expect(try store.cycles().first?.phase == .generate)
        let resumed = FakeGenerator()
        try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, generator: resumed)
        let reference = try await reference(fakeConfiguration())
        #expect(try storedState(folder) == reference.state)
        let first = try #require(await resumed.requests.first)
        #expect(first.prompts == (8..<12).map { "p\($0)" } && first.seed == 7 + 8)
        let counts = (await crashing.requests.count, await resumed.requests.count, await reference.generator.requests.count)
        #expect(counts.0 + counts.1 == counts.2)
    }

    /// A crash part-way through verification: no sample is generated again, none verified twice.
    @Test(arguments: [false, true]) func aCrashDuringVerificationResumesWithTheUnverifiedSamplesOnly(competes: Bool) async throws {
        let folder = freshRunFolder("verify")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let crashing = FakeVerifier(crashAfter: 100)
        await #expect(throws: Crash.self) {
            try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, generator: FakeGenerator(competes: competes), verifier: crashing)
        }
        let samples = try RunStore(folder: folder).samples(cycle: 0)
        #expect(samples.filter { $0.reward != nil }.count == 100 && samples.count == 192)
        let (generator, verifier) = (FakeGenerator(competes: competes), FakeVerifier())
        try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, generator: generator, verifier: verifier)
        #expect(try storedState(folder) == (try await reference(fakeConfiguration())).state)
        let requests = await generator.requests
        #expect(requests.first?.prompts.first == "p0" && requests.count == 2)  // cycle 1 only
        #expect(crashing.verified.count + verifier.verified.count == 2 * 192)
        #expect(Set(crashing.verified).isDisjoint(with: verifier.verified))
    }

    /// A crash during training leaves the cycle at `train` with its kept samples chosen; the
    /// resumed run trains on the same samples, in the same order, and goes on.
    @Test func aCrashDuringTrainingResumesWithTheSameKeptSamples() async throws {
        let folder = freshRunFolder("train")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        await #expect(throws: Crash.self) { try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, trainer: FakeTrainer(crashes: true)) }
        let store = try RunStore(folder: folder)
        #expect(try store.cycles().first?.phase == .train && store.cycles().first?.adapter == nil)
        let (generator, verifier, trainer) = (FakeGenerator(), FakeVerifier(), FakeTrainer())
        try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, generator: generator, trainer: trainer, verifier: verifier)
        #expect(try storedState(folder) == (try await reference(fakeConfiguration())).state)
        #expect(verifier.verified.count == 192)  // cycle 1 only
        #expect(await generator.requests.count == 2)

        let uninterrupted = freshRunFolder("train-reference")
        defer { try? FileManager.default.removeItem(atPath: uninterrupted) }
        let straight = FakeTrainer()
        try await runFake(uninterrupted, fakeConfiguration(), tasks: Self.tasks, trainer: straight)
        let (resumedFirst, straightFirst) = (try #require(await trainer.trainings.first), try #require(await straight.trainings.first))
        #expect(resumedFirst.examples.map(\.completion) == straightFirst.examples.map(\.completion))
        #expect(resumedFirst.learningRate == straightFirst.learningRate && resumedFirst.seed == straightFirst.seed)
    }

    /// Killed between two phase writes: stored at `verify` or `filter` with every verdict in,
    /// or at `done` before its evaluation ran. Each resumes and ends as an uninterrupted run.
    @Test(arguments: [RunStore.Phase.generate, .verify, .filter]) func aCrashBetweenPhasesResumes(phase: RunStore.Phase) async throws {
        let folder = freshRunFolder("between")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        await #expect(throws: Crash.self) { try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, trainer: FakeTrainer(crashes: true)) }
        try RunStore(folder: folder).setPhase(cycle: 0, phase)
        try await runFake(folder, fakeConfiguration(), tasks: Self.tasks)
        #expect(try storedState(folder) == (try await reference(fakeConfiguration())).state)
    }

    @Test func aCrashInTheEvaluationOfACycleEvaluatesItOnResume() async throws {
        let folder = freshRunFolder("evaluate")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        await #expect(throws: Crash.self) {
            try await runFake(folder, fakeConfiguration(), tasks: Self.tasks) { cycle in if cycle == 0 { throw Crash("evaluation crashed") } }
        }
        #expect(try RunStore(folder: folder).cycles().map(\.phase) == [.done])
        let evaluated = Evaluations()
        let trainer = FakeTrainer()
        try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, trainer: trainer) { await evaluated.add($0) }
        #expect(await evaluated.cycles == [0, 1])
        #expect(await trainer.loads.map(\.adapter) == [folder + "/adapters/cycle-1"])
        #expect(try storedState(folder) == (try await reference(fakeConfiguration())).state)
    }

    /// Prompts changed between runs, as the loop has always handled them: a prompt added
    /// while cycle 1 trains is sampled in cycle 1, verified, and filtered and trained with the
    /// others; a prompt removed keeps its samples, unverified ones stay unverified.
    @Test func promptsChangedBetweenRunsAreSampledOrLeftAsTheyAre() async throws {
        let folder = freshRunFolder("changed")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        await #expect(throws: Crash.self) {
            try await runFake(folder, fakeConfiguration(), tasks: fakeTasks(11), trainer: FakeTrainer(crashes: true))
        }
        let generator = FakeGenerator(), trainer = FakeTrainer()
        let (records, store) = try await runFake(folder, fakeConfiguration(), tasks: fakeTasks(12), generator: generator, trainer: trainer)
        #expect(await generator.requests.first?.prompts == ["p11"])
        #expect(records.map(\.phase) == [.done, .done])
        #expect(try store.sampleCounts(cycle: 0) == (192, 192) && records[0].metrics.samples == 192 && records[0].metrics.kept == 120)
        #expect(await trainer.trainings.first?.examples.count == 120)

        // Crash during cycle 1's verification, then resume without p0: its unverified samples stay so.
        let removed = freshRunFolder("removed")
        defer { try? FileManager.default.removeItem(atPath: removed) }
        await #expect(throws: Crash.self) {
            try await runFake(removed, fakeConfiguration(), tasks: Self.tasks, generator: FakeGenerator(competes: true), verifier: FakeVerifier(crashAfter: 8))
        }
        let fewer = Array(Self.tasks.dropFirst())
        let (after, afterStore) = try await runFake(removed, fakeConfiguration(), tasks: fewer)
        #expect(after.map(\.phase) == [.done, .done])
        let p0 = try afterStore.samples(cycle: 0).filter { $0.promptID == "p0" }
        #expect(p0.count == 16 && p0.filter { $0.reward != nil }.count == 8)
        #expect(try afterStore.samples(cycle: 1).allSatisfy { $0.promptID != "p0" && $0.reward != nil })
    }

    /// The filter's thresholds decide what the trainer gets: per prompt, best first.
    @Test(arguments: [(Double?.some(0.5), 8), (1.0, 4), (nil, 4), (0.0, 12)]) func theThresholdDecidesWhatIsTrainedOn(threshold: Double?, perPrompt: Int) async throws {
        let folder = freshRunFolder("threshold")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trainer = FakeTrainer()
        let c = fakeConfiguration {
            $0.cycles = 1
            $0.samplesPerPrompt = 12
            $0.rewardThreshold = threshold
            $0.dedupe = false
        }
        let (records, _) = try await runFake(folder, c, tasks: fakeTasks(3), trainer: trainer)
        #expect(records.first?.metrics.kept == 3 * perPrompt)
        let examples = try #require(await trainer.trainings.first?.examples)
        #expect(examples.count == 3 * perPrompt)
        #expect(examples.allSatisfy { fakeReward($0.completion) >= (threshold ?? 1.0) })
        let rewards = examples.prefix(perPrompt).map { fakeReward($0.completion) }
        #expect(rewards == rewards.sorted(by: >) && examples.prefix(perPrompt).allSatisfy { $0.prompt == "prompt 0" })
    }

    /// Nothing kept: no training, the cycle keeps the adapter before it.
    @Test func nothingKeptTrainsNothing() async throws {
        let folder = freshRunFolder("nothing")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trainer = FakeTrainer()
        let c = fakeConfiguration { $0.minKept = 0 }
        let (records, _) = try await runFake(folder, c, tasks: fakeTasks(2), generator: FakeGenerator { _, _ in 0 }, trainer: trainer)
        #expect(records.map(\.phase) == [.done, .done] && records.allSatisfy { $0.adapter == nil && $0.metrics.trained == false })
        #expect(await trainer.trainings.isEmpty)
        #expect(records[0].metrics.json["loss"] == nil)  // stored as an older run stored it
    }

    /// Dynamic sampling through the loop: no prompt shows signal, so the one refill round adds
    /// a quarter's worth; the cycle's metrics say so (the tiny-model run of SamplingPolicyRunTests, in milliseconds).
    @Test func dynamicSamplingRefillsPromptsWithoutSignal() async throws {
        let folder = freshRunFolder("dynamic")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let c = fakeConfiguration {
            $0.dynamicSampling = true
            $0.dynamicSamplingRounds = 1
            $0.promptsPerCycle = 2
            $0.curriculumStrategy = "pass_rate_window"
            $0.passRateWindow = 1
            $0.samplesPerPrompt = 2
            $0.rewardThreshold = nil
        }
        let generator = FakeGenerator { _, _ in 0.5 }  // compiles, never passes: no signal anywhere
        let (records, store) = try await runFake(folder, c, tasks: Self.tasks, generator: generator)
        let first = records[0].metrics
        #expect(first.promptsSampled == 10 && first.samplingRounds == 2 && first.promptsWithSignal == 0)
        let sampled = Set(try store.samples(cycle: 0).map(\.promptID))
        #expect(sampled.count == 10)
        let second = records[1].metrics
        #expect(second.pool == 2 && Set(second.poolExcluded ?? []) == sampled)
        #expect(Set(try store.samples(cycle: 1).map(\.promptID)).isDisjoint(with: sampled))
        #expect(await generator.requests.map(\.prompts.count) == [2, 8, 2])

        // Every prompt with signal (one sample passes, one fails): nothing to refill.
        let signal = freshRunFolder("signal")
        defer { try? FileManager.default.removeItem(atPath: signal) }
        let one = fakeConfiguration {
            $0.dynamicSampling = true
            $0.promptsPerCycle = 4
            $0.cycles = 1
            $0.samplesPerPrompt = 2
            $0.rewardThreshold = nil
        }
        let halves = FakeGenerator { _, index in [0, 1][index % 2] }
        let (withSignal, _) = try await runFake(signal, one, tasks: Self.tasks, generator: halves)
        let m = withSignal[0].metrics
        #expect(m.promptsWithSignal == 4 && m.promptsSampled == 4 && m.samplingRounds == 1 && m.kept == 4)
        #expect(await halves.requests.count == 1)
    }

    /// The vLLM adapter probe: a generator whose probe fails stops the run before the cycle is
    /// recorded as done, and no adapter is stored for it.
    @Test func aFailedAdapterProbeStopsTheRunBeforeTheCycleIsDone() async throws {
        let folder = freshRunFolder("probe")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let generator = FakeGenerator(probeFails: true)
        await #expect(throws: GeneratorError.self) { try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, generator: generator) }
        let cycle = try #require(try RunStore(folder: folder).cycles().first)
        #expect(cycle.phase == .train && cycle.adapter == nil && cycle.metrics.trained == nil)
        #expect(try RunStore(folder: folder).trainingSteps().isEmpty)
        #expect(await generator.adapters == [folder + "/adapters/cycle-1"])

        // Resumed with a server that takes the adapter: the cycle trains again and is done.
        let good = FakeGenerator()
        let (records, _) = try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, generator: good)
        #expect(records.map(\.phase) == [.done, .done] && records[0].metrics.adapterProbe?["passed"] == .bool(true))
    }

    /// A resumed run proves the latest adapter to its generator before sampling with it.
    @Test func aResumedRunHandsTheLatestAdapterToTheGenerator() async throws {
        let folder = freshRunFolder("adapter")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        await #expect(throws: Crash.self) { try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, generator: FakeGenerator(crashAfterRequests: 3)) }
        let generator = FakeGenerator()
        try await runFake(folder, fakeConfiguration(), tasks: Self.tasks, generator: generator)
        #expect(await generator.adapters == [folder + "/adapters/cycle-1", folder + "/adapters/cycle-2"])
    }
}

actor Evaluations {
    private(set) var cycles: [Int] = []
    func add(_ cycle: Int) { cycles.append(cycle) }
}
