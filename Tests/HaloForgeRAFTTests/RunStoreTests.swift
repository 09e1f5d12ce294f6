import Foundation
import HaloForgeCore
@testable import HaloForgeRAFT
import Testing

@Suite struct RunStoreTests {
    func freshStore() throws -> RunStore {
        try RunStore(folder: FileManager.default.temporaryDirectory.path + "/hf-run-\(UUID().uuidString)")
    }

    @Test func samplesVerdictsAndPhasesSurviveReopening() throws {
        let store = try freshStore()
        try store.storePrompts([(id: "p1", split: "train", prompt: "int f(", task: .null), (id: "p2", split: "train", prompt: "int g(", task: .null)])
        try store.setPhase(cycle: 0, .generate)
        try store.storeSamples(cycle: 0, [(promptID: "p1", index: 0, completion: "a", tokens: 3, finishReason: "eos"), (promptID: "p1", index: 1, completion: "b", tokens: 4, finishReason: "length")])
        let first = try store.samples(cycle: 0)
        try store.storeVerdict(sampleID: first[0].id, Verdict(reward: 0.5, outcome: .compiled, detail: "ok"))
        try store.setPhase(cycle: 0, .verify)

        let reopened = try RunStore(folder: store.folder)
        #expect(try reopened.promptCount() == 2)
        #expect(try reopened.promptsWithSamples(cycle: 0) == ["p1"])
        #expect(try reopened.samples(cycle: 0, unverifiedOnly: true).map(\.completion) == ["b"])
        #expect(try reopened.cycles().first?.phase == .verify)
    }

    @Test func aSampleCannotBeStoredTwice() throws {
        let store = try freshStore()
        try store.storePrompts([(id: "p1", split: "train", prompt: "x", task: .null)])
        let sample = (promptID: "p1", index: 0, completion: "a", tokens: 1, finishReason: "eos")
        try store.storeSamples(cycle: 0, [sample])
        #expect(throws: (any Error).self) { try store.storeSamples(cycle: 0, [sample, (promptID: "p1", index: 1, completion: "b", tokens: 1, finishReason: "eos")]) }
        // The failed batch left nothing behind: the transaction rolled back.
        #expect(try store.sampleCounts(cycle: 0) == (1, 1))
    }

    @Test func trainingFinishesAtomicallyAndExportsEverySample() throws {
        let store = try freshStore()
        try store.storePrompts([(id: "p1", split: "train", prompt: "x", task: .null)])
        try store.setPhase(cycle: 0, .train)
        try store.storeSamples(cycle: 0, [(promptID: "p1", index: 0, completion: "a", tokens: 1, finishReason: "eos")])
        try store.markKept(cycle: 0, sampleIDs: try store.samples(cycle: 0).map(\.id))
        try store.finishTraining(cycle: 0, adapter: "/tmp/a", steps: [(step: 1, loss: 2.0, gradNorm: 1.0, lr: 1e-4, tokens: 10, tokensPerSecond: 100)], metrics: ["loss": .double(2.0)])
        let cycle = try #require(try store.cycles().first)
        #expect(cycle.phase == .done && cycle.adapter == "/tmp/a" && cycle.metrics["loss"]?.doubleValue == 2.0)
        let path = store.folder + "/samples.jsonl"
        #expect(try store.exportSamples(to: path) == 1)
        let line = try String(contentsOfFile: path, encoding: .utf8)
        #expect(line.contains("\"kept\":true"))
    }
}
