import Foundation
import HaloForgeCore
@testable import HaloForgeEngine
@testable import HaloForgeRAFT
import Synchronization
import Testing

/// `report_to` as a setting, the run's settings as hyperparameters, what a replay of the run
/// store sends, and a reporter that cannot start. The trackers' own files are read back by
/// python/tests/test_trackers.py.
struct TrackerTests {
    /// Keeps what it is told, in order.
    final class Recorder: MetricsSink {
        let calls = Mutex<[(kind: MetricKind, step: Int, values: [String: Double])]>([])
        func settings(_ values: [String: JSONValue]) {}
        func record(_ kind: MetricKind, step: Int, _ values: [String: Double]) {
            calls.withLock { $0.append((kind, step, values)) }
        }
    }

    @Test func reportToIsOneSettingOfRAFTAndSFT() throws {
        let raft = RAFTConfiguration().applying(try RAFTOverrides.parse(yaml: "model: tiny\nreport_to: [tensorboard, mlflow]\n", file: "raft.yaml"))
        #expect(raft.reportTo == ["tensorboard", "mlflow"])
        try raft.validate(source: "raft.yaml")
        let nested = try RAFTOverrides.parse(yaml: "training:\n  report_to: [wandb]\n", file: "raft.yaml")
        #expect(nested.reportTo == ["wandb"])
        let sft = SFTConfiguration().applying(try SFTOverrides.parse(yaml: "report_to: [wandb]\n", file: "sft.yaml"))
        #expect(sft.reportTo == ["wandb"])
        // Recorded with the run, read back on resume.
        #expect(RAFTConfiguration().applying(try RAFTOverrides.parse(yaml: raft.yaml, file: "run.sqlite")).reportTo == ["tensorboard", "mlflow"])
    }

    @Test func anUnknownTrackerIsRefusedByName() throws {
        var raft = RAFTConfiguration()
        raft.model = "tiny"
        raft.reportTo = ["tensorboard", "comet"]
        let error = #expect(throws: ConfigurationError.self) { try raft.validate(source: "raft.yaml") }
        #expect(error?.description == "raft.yaml: field 'report_to' must list tensorboard, wandb or mlflow, got \"comet\"")
        var sft = SFTConfiguration()
        (sft.model, sft.data, sft.output) = ("tiny", "d.jsonl", "out")
        sft.reportTo = ["neptune"]
        let sftError = #expect(throws: ConfigurationError.self) { try sft.validate(source: "sft.yaml") }
        #expect(sftError?.field == "report_to")
        let list = #expect(throws: ConfigurationError.self) { try RAFTOverrides.parse(yaml: "report_to: {a: 1}\n", file: "raft.yaml") }
        #expect(list?.field == "report_to")
        #expect(list?.description == "raft.yaml: line 1: field 'report_to': expected a list of names, got a mapping")
    }

    @Test func settingsBecomeTypedHyperparameters() {
        var c = RAFTConfiguration()
        c.model = "tiny"
        c.loraTargetModules = ["q_proj", "v_proj"]
        let h = c.hyperparameters
        #expect(Set(h.keys) == Set(RAFTConfiguration.settings.map(\.key)))
        #expect(h["model"] == .string("tiny"))
        #expect(h["cycles"] == .int(3))
        #expect(h["learning_rate"]?.doubleValue == 5e-5)
        #expect(h["dedupe"] == .bool(true))
        #expect(h["keep_top_k"] == .null)
        #expect(h["lora_target_modules"] == .array([.string("q_proj"), .string("v_proj")]))
    }

    @Test func aReplaySendsWhatTheStoreHolds() throws {
        let folder = FileManager.default.temporaryDirectory.path + "/hf-trackers-replay-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try RunStore(folder: folder)
        for cycle in 0..<2 {
            try store.setPhase(cycle: cycle, .filter)
            try store.addMetrics(cycle: cycle, ["compile_rate": .double(0.25 * Double(cycle + 1)), "kept": .int(3 + cycle), "filter_note": .string("x")])
            try store.finishTraining(
                cycle: cycle, adapter: nil,
                steps: (1...2).map { (step: $0, loss: Double(10 * cycle + $0), gradNorm: 1, lr: 1e-4, tokens: 10, tokensPerSecond: 5) },
                metrics: ["trained": .bool(true), "loss": .double(Double(10 * cycle + 2))])
        }
        try store.setPhase(cycle: 2, .generate)  // begun, not finished: nothing of it is sent
        try store.addMetrics(cycle: 2, ["compile_rate": .double(0.9)])
        try store.setSetting("eval:baseline", #"{"pass_at_k":{"pass@1":0.5},"compile_rate":0.75,"mean_reward":0.6}"#)
        try store.setSetting("eval:cycle-2", #"{"pass_at_k":{"pass@1":0.25},"compile_rate":1,"mean_reward":0.7}"#)

        let recorder = Recorder()
        try recorder.replay(store)
        let calls = recorder.calls.withLock { $0 }
        #expect(calls.filter { $0.kind == .step }.map(\.step) == [1, 2, 3, 4])
        #expect(calls.filter { $0.kind == .step }.map { $0.values["train/loss"] } == [1, 2, 11, 12])
        let cycles = calls.filter { $0.kind == .cycle }
        #expect(cycles.map(\.step) == [1, 2])
        #expect(cycles[1].values == ["cycle/compile_rate": 0.5, "cycle/kept": 4, "cycle/loss": 12])
        let heldOut = calls.filter { $0.kind == .heldout }
        #expect(heldOut.map(\.step) == [0, 2])
        #expect(heldOut[0].values == ["heldout/pass_at_1": 0.5, "heldout/compile_rate": 0.75, "heldout/mean_reward": 0.6])
    }

    @Test func aTrackerWhoseLibraryIsMissingStopsAtStartSayingWhatToInstall() async throws {
        let python = "/usr/bin/python3"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import wandb"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus != 0, "\(python) has wandb: this test needs an interpreter without it")

        let workerDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("python").path
        let folder = FileManager.default.temporaryDirectory.path + "/hf-trackers-missing-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = await #expect(throws: TrackerError.self) {
            _ = try await TrackerReporter.start(
                ["wandb"], folder: folder, name: "t", environment: PythonEnvironment(python: python, workerDir: workerDir)) { _ in }
        }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("--report-to: wandb: "))
        #expect(text.hasSuffix("install wandb into the worker's environment (halo-forge model setup --trackers)"))
        #expect(!text.contains("\n"))
    }
}

/// Which trackers a run reports to, and the refusal of a name that is none.
@Suite struct TrackerChoiceTests {
    @Test func theFlagWinsOverTheSettingsAndEachTrackerComesOnce() throws {
        #expect(TrackerReporter.chosen(flag: ["wandb", "tensorboard", "wandb"], settings: ["mlflow"]) == ["wandb", "tensorboard"])
        #expect(TrackerReporter.chosen(flag: [], settings: ["mlflow", "mlflow"]) == ["mlflow"])
        #expect(TrackerReporter.chosen(flag: [], settings: nil).isEmpty)
        try TrackerReporter.check(["tensorboard", "mlflow"])
        let error = #expect(throws: TrackerError.self) { try TrackerReporter.check(["wandb", "comet"]) }
        #expect(error?.description == "--report-to: unknown tracker 'comet' (choose from tensorboard, wandb, mlflow)")
    }
}
