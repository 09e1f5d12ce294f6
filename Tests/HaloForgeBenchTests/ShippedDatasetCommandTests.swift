import Foundation
import HaloForgeBench
import HaloForgeData
import Testing

/// The commands as a user types them, from a folder with no ../shared and no
/// HALO_FORGE_DATASETS: the shipped benchmarks are found from the executable, replay scores
/// the canonical solutions 1.000, and a prompt file is scored on its tested prompts.
@Suite struct ShippedDatasetCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("halo-forge").path
    }

    /// A fresh folder outside the source tree, to run commands from.
    func elsewhere(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.path + "/hf-shipped-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(!FileManager.default.fileExists(atPath: dir + "/../shared"))
        return dir
    }

    /// Runs the command in `cwd` without HALO_FORGE_DATASETS; the exit status and stdout + stderr.
    func run(_ arguments: [String], in cwd: String, binary: String = ShippedDatasetCommandTests.binary) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: cwd)
        var environment = ProcessInfo.processInfo.environment
        environment["HALO_FORGE_DATASETS"] = nil
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Completions as the original harnesses would write them: HumanEval's string task_id,
    /// MBPP's integer task_id.
    func canonical(_ file: String, into path: String, completion: String) throws {
        let text = try String(contentsOfFile: Self.repository + "/datasets/" + file, encoding: .utf8)
        var out = ""
        for line in text.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let record: [String: Any] = ["task_id": object["task_id"]!, "completion": object[completion]!]
            out += String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self) + "\n"
        }
        try out.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func humanEvalAndMBPPCanonicalReplayFromElsewhere() throws {
        let dir = try elsewhere("replay")
        try canonical("humaneval.jsonl", into: dir + "/he.jsonl", completion: "canonical_solution")
        let humaneval = try run(["benchmark", "run", "--dataset", "humaneval", "--completions", "he.jsonl", "--k", "1"], in: dir)
        #expect(humaneval.status == 0, "\(humaneval.output)")
        #expect(humaneval.output.contains("pass@1        1.000") && humaneval.output.contains("problems      164"), "\(humaneval.output)")

        try canonical("mbpp.jsonl", into: dir + "/mbpp.jsonl", completion: "code")
        let mbpp = try run(["benchmark", "run", "--dataset", "mbpp", "--completions", "mbpp.jsonl", "--k", "1"], in: dir)
        #expect(mbpp.status == 0, "\(mbpp.output)")
        #expect(mbpp.output.contains("pass@1        1.000") && mbpp.output.contains("problems      974"), "\(mbpp.output)")

        // a completions file that matches no problem is an error, not 0 samples scored
        try #"{"task_id": "HumanEval/0", "completion": "x"}"#.write(toFile: dir + "/wrong.jsonl", atomically: true, encoding: .utf8)
        let wrong = try run(["benchmark", "run", "--dataset", "mbpp", "--completions", "wrong.jsonl"], in: dir)
        #expect(wrong.status != 0 && wrong.output.contains("wrong.jsonl: no completion matches a problem"), "\(wrong.output)")
    }

    /// An install: bin/halo-forge finds <prefix>/share/halo-forge/datasets (here a cut-down
    /// HumanEval of 3 problems, so finding the source tree's copy instead would show).
    @Test func installedBinaryReadsItsShareFolder() throws {
        let prefix = try elsewhere("prefix")
        let share = prefix + "/share/halo-forge/datasets"
        try FileManager.default.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: share, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.binary, toPath: prefix + "/bin/halo-forge")
        try FileManager.default.copyItem(atPath: Self.repository + "/datasets/ATTRIBUTION.md", toPath: share + "/ATTRIBUTION.md")
        let three = try String(contentsOfFile: Self.repository + "/datasets/humaneval.jsonl", encoding: .utf8).split(separator: "\n").prefix(3)
        try (three.joined(separator: "\n") + "\n").write(toFile: share + "/humaneval.jsonl", atomically: true, encoding: .utf8)
        try canonical("humaneval.jsonl", into: prefix + "/he.jsonl", completion: "canonical_solution")
        let result = try run(["benchmark", "run", "--dataset", "humaneval", "--completions", "he.jsonl", "--k", "1"], in: prefix, binary: prefix + "/bin/halo-forge")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("pass@1        1.000") && result.output.contains("problems      3\n"), "\(result.output)")
    }

    @Test func examplePromptsReplayTheirReferences() throws {
        let dir = try elsewhere("prompts")
        let result = try run(
            ["benchmark", "run", "--prompts", Self.repository + "/examples/prompts.jsonl", "--completions",
             Self.repository + "/examples/prompts-references.jsonl", "--k", "1"], in: dir)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("pass@1        1.000"), "\(result.output)")
        #expect(result.output.contains("problems      6 (2 without tests: not in pass@k)"), "\(result.output)")
        #expect(result.output.contains("compile rate  1.000"), "\(result.output)")
    }

    @Test func dataPrepareCodeforcesFromAnywhere() throws {
        let dir = try elsewhere("prepare")
        let result = try run(["data", "prepare", "--dataset", "codeforces_cpp", "--output", "data/train.jsonl"], in: dir)
        #expect(result.status == 0, "\(result.output)")
        let lines = try String(contentsOfFile: dir + "/data/train.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 500)
        #expect(lines.allSatisfy { $0.contains(#""language":"cpp""#) })
    }
}
