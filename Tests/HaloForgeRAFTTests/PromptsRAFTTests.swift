import Foundation
import HaloForgeCore
@testable import HaloForgeRAFT
import Testing

/// `raft train` on a user's prompt file and on its default tasks, with the tiny model: every
/// prompt × n samples is stored with a reward, and a bad file leaves the run folder usable.
@Suite(.serialized) struct PromptsRAFTTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("halo-forge").path
    }

    func folder(_ name: String) -> String {
        let path = FileManager.default.temporaryDirectory.path + "/hf-prompts-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static let quick = [
        "--model", "tiny", "--cycles", "1", "--samples-per-prompt", "2", "--max-new-tokens", "24", "--steps-per-cycle", "2",
        "--reward-threshold", "0", "--seed", "3", "--timeout", "5", "--threads", "2",
    ]

    @Test func examplePromptsDriveOneCycle() throws {
        let run = folder("example")
        // A bad prompt file first: a line-numbered error, and nothing stored that poisons the folder.
        let bad = FileManager.default.temporaryDirectory.path + "/hf-prompts-bad-\(getpid()).jsonl"
        try "{\"id\": \"a\", \"language\": \"c\", \"prompt\": \"x\"}\n{\"id\": \"b\", \"language\": \"c\", \"prompt\": \"y\", \"io\": 3}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let failed = try self.run(["raft", "train", "--output", run, "--prompts", bad] + Self.quick)
        #expect(failed.status != 0)
        #expect(failed.output.contains("line 2: field 'io' must be a list"), "\(failed.output)")
        if FileManager.default.fileExists(atPath: run + "/run.sqlite") {
            #expect(try RunStore(folder: run).setting("config") == nil)
        }

        let result = try self.run(["raft", "train", "--output", run, "--prompts", Self.repository + "/examples/prompts.jsonl", "--verifier", "gcc"] + Self.quick)
        #expect(result.status == 0, "\(result.output)")
        let store = try RunStore(folder: run)
        let samples = try store.samples(cycle: 0)
        #expect(samples.count == 6 * 2)
        #expect(Set(samples.map(\.promptID)) == ["c/sum-of-input", "c/reverse-line", "py/is-palindrome", "py/running-max", "c/gcd", "c/count-words"])
        #expect(samples.allSatisfy { $0.reward != nil })
        #expect(try store.cycles().first?.phase == .done)
        #expect(try store.setting("config")?.contains("prompts: \"\(Self.repository)/examples/prompts.jsonl\"") == true)
    }

    @Test func defaultTasksAreTheBuiltinCTrainingSet() throws {
        let run = folder("default")
        let result = try self.run(["raft", "train", "--output", run, "--limit", "3"] + Self.quick)
        #expect(result.status == 0, "\(result.output)")
        let samples = try RunStore(folder: run).samples(cycle: 0)
        #expect(samples.count == 3 * 2 && samples.allSatisfy { $0.reward != nil })
        #expect(samples.allSatisfy { $0.promptID.hasPrefix("c/") })
    }

    @Test func benchmarkFullSplitsAPromptFile() throws {
        let run = folder("full")
        let result = try self.run([
            "benchmark", "full", "--model", "tiny", "--prompts", Self.repository + "/examples/prompts.jsonl", "--verifier", "gcc",
            "--output", run, "--cycles", "1", "--samples-per-prompt", "2", "--eval-samples", "2", "--max-new-tokens", "24",
            "--steps-per-cycle", "2", "--timeout", "5",
        ])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("examples/prompts.jsonl: 4 training tasks, 2 held-out tasks"), "\(result.output)")
        let store = try RunStore(folder: run)
        let heldOut = Set(try #require(try store.setting("heldout_tasks")).split(separator: "\n").map(String.init))
        let trained = Set(try store.samples(cycle: 0).map(\.promptID))
        #expect(heldOut.count == 2 && trained.count == 4 && trained.isDisjoint(with: heldOut))
        #expect(FileManager.default.fileExists(atPath: run + "/report.html"))
    }
}
