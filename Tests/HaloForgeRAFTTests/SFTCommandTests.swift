import Foundation
import HaloForgeCore
@testable import HaloForgeRAFT
import Testing

/// `sft train` on prepared MBPP with the tiny model, through the command: the held-out loss
/// goes down, a killed run resumes from its checkpoint to the same end, and the adapter
/// starts `raft train`.
@Suite(.serialized) struct SFTCommandTests {
    static let folder = FileManager.default.temporaryDirectory.path + "/hf-sft-\(getpid())"

    var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("halo-forge").path
    }

    func process(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func run(_ arguments: [String]) throws -> Int32 {
        let p = try process(arguments)
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// 48 prepared MBPP training records (the eval slice takes 10 % of them).
    func data() throws -> String {
        try FileManager.default.createDirectory(atPath: Self.folder, withIntermediateDirectories: true)
        let all = Self.folder + "/mbpp-train.jsonl"
        let subset = Self.folder + "/mbpp-48.jsonl"
        if !FileManager.default.fileExists(atPath: subset) {
            #expect(try run(["data", "prepare", "--dataset", "mbpp", "--split", "train", "--output", all]) == 0)
            let lines = try String(contentsOfFile: all, encoding: .utf8).split(separator: "\n").prefix(48)
            try (lines.joined(separator: "\n") + "\n").write(toFile: subset, atomically: true, encoding: .utf8)
        }
        return subset
    }

    func sftArguments(_ output: String) throws -> [String] {
        [
            "sft", "train", "--model", "tiny", "--data", try data(), "--output", output, "--steps", "12", "--eval-every", "4",
            "--checkpoint-every", "4", "--patience", "0", "--learning-rate", "3e-3", "--rank", "8", "--batch-tokens", "2048",
            "--threads", "2",
        ]
    }

    func record(_ output: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: output + "/sft.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func evalLosses(_ record: [String: Any]) -> [Double] {
        (record["evals"] as! [[String: Any]]).map { $0["loss"] as! Double }
    }

    @Test func heldOutLossFallsAndAKilledRunResumesToTheSameEnd() async throws {
        let whole = Self.folder + "/whole"
        #expect(try run(try sftArguments(whole)) == 0)
        let first = try record(whole)
        let losses = evalLosses(first)
        #expect(losses.count == 4, "before training and after steps 4, 8, 12")
        #expect(losses.last! < losses.first! - 0.1, "held-out loss \(losses)")
        #expect((first["best_eval_loss"] as! Double) == losses.min()!)
        #expect(FileManager.default.fileExists(atPath: whole + "/adapter/adapter_config.json"))
        #expect(try run(try sftArguments(whole)) != 0, "a folder holding a run needs --resume")

        // kill -9 once the step-4 checkpoint is on disk, then resume
        let killed = Self.folder + "/killed"
        let p = try process(try sftArguments(killed))
        let state = killed + "/checkpoint/trainer_state.json"
        let deadline = Date().addingTimeInterval(600)
        while p.isRunning, Date() < deadline, !FileManager.default.fileExists(atPath: state) {
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "the run was killed before it finished")
        #expect(try run(try sftArguments(killed) + ["--resume"]) == 0)
        let resumed = try record(killed)
        let from = resumed["resumed_from_step"] as! Int
        #expect(from >= 4 && from < 12)
        #expect((resumed["steps"] as! [[String: Any]]).map { $0["step"] as! Int } == Array(1...12))
        let resumedLosses = evalLosses(resumed)
        #expect(resumedLosses.count == 4)
        #expect(abs(resumedLosses.last! - losses.last!) < 1e-3, "\(resumedLosses) vs \(losses)")
    }

    @Test func theAdapterStartsRAFT() async throws {
        let adapter = Self.folder + "/whole/adapter"
        if !FileManager.default.fileExists(atPath: adapter + "/adapter_config.json") {
            #expect(try run(try sftArguments(Self.folder + "/whole")) == 0)
        }
        func raft(_ run: String, adapter: String) throws -> Int32 {
            try self.run([
                "raft", "train", "--output", run, "--model", "tiny", "--adapter", adapter, "--dataset", "mbpp", "--limit", "3",
                "--cycles", "1", "--samples-per-prompt", "2", "--max-new-tokens", "32", "--reward-threshold", "0",
                "--steps-per-cycle", "2", "--timeout", "5", "--threads", "2",
            ])
        }
        let good = Self.folder + "/raft"
        #expect(try raft(good, adapter: adapter) == 0)
        let store = try RunStore(folder: good)
        #expect(try store.cycles().count == 1 && store.cycles().allSatisfy { $0.phase == .done })
        #expect(try store.setting("config")?.contains(adapter) == true)
        // the same run with an adapter that is not one fails: the adapter above was really loaded
        let notAnAdapter = Self.folder + "/not-an-adapter"
        try FileManager.default.createDirectory(atPath: notAnAdapter, withIntermediateDirectories: true)
        #expect(try raft(Self.folder + "/raft-bad", adapter: notAnAdapter) != 0)
    }
}
