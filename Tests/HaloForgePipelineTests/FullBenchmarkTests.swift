import Foundation
import HaloForgeCore
import HaloForgeBench
@testable import HaloForgePipeline
import HaloForgeData
import HaloForgeEngine
import HaloForgeRAFT
import HaloForgeVerify
import Testing

@Suite struct FullBenchmarkTests {
    @Test func splitsNeverOverlap() throws {
        let tasks = try Datasets.tasks(.humaneval, folder: Datasets.defaultFolder())
        let (train, heldOut) = Datasets.split(tasks, dataset: "humaneval")
        #expect(train.count + heldOut.count == tasks.count)
        #expect(Set(train.map(\.id)).isDisjoint(with: heldOut.map(\.id)))
        #expect(Datasets.split(tasks, dataset: "humaneval").heldOut.map(\.id) == heldOut.map(\.id), "deterministic")
        let mbpp = Datasets.split(try Datasets.tasks(.mbpp, folder: Datasets.defaultFolder()), dataset: "mbpp")
        #expect(mbpp.train.count == 374 && mbpp.heldOut.count == 500)
    }

    @Test func baselineCyclesAndReportLandInTheRunFolder() async throws {
        let tasks = try Datasets.tasks(.humaneval, folder: Datasets.defaultFolder())
        let (train, heldOut) = Datasets.split(tasks, dataset: "humaneval")
        var raft = RAFTConfiguration()
        raft.model = "tiny"
        raft.cycles = 1
        raft.samplesPerPrompt = 2
        raft.maxNewTokens = 24
        raft.rewardThreshold = 0
        raft.stepsPerCycle = 3
        var settings = FullBenchmark.Settings(raft: raft)
        settings.evalSamples = 2
        let store = try RunStore(folder: FileManager.default.temporaryDirectory.path + "/hf-full-\(UUID().uuidString)")
        let engine = try Engine.make(threads: 2)
        _ = try await engine.start()
        let rows = try await FullBenchmark.run(
            settings, store: store, engine: engine, verifier: try Verifier(), train: Array(train.prefix(3)), heldOut: Array(heldOut.prefix(3)),
            log: { _ in })
        await engine.shutdown()
        #expect(rows.map(\.stage) == ["baseline", "cycle-1"])
        #expect(rows.allSatisfy { $0.heldOut.samples == 6 })
        for file in ["summary.json", "report.html", "pass_at_1.svg", "compile_rate.svg", "mean_reward.svg", "loss.svg", "samples.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: store.folder + "/" + file), "\(file) is missing")
        }
        let summary = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: store.folder + "/summary.json")))
        #expect(summary["stages"]?.arrayValue?.count == 2)
        #expect(FullBenchmark.table(rows).split(separator: "\n").count == 3)
    }
}
