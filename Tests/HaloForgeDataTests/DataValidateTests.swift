import Foundation
import HaloForgeData
import Testing

/// `data validate`: every problem with its line, the safe fixes, and the command's output.
@Suite struct DataValidateTests {
    static let good = #"{"id":"a","language":"python","prompt":"Write f.","test":"assert f(1) == 2","reference":"def f(x):\n    return x + 1\n"}"#
    static let lines = [
        good,  // 1
        #"{"id":"b","language":"python","prompt":"x","test":"assert f(1 == 2"}"#,  // 2
        "",  // 3
        #"{"id":"c0","language":"c","prompt":"y","test":"int main(void) { return 0; }"}"# + "\r",  // 4
        #"{not json"#,  // 5
        #"{"id":"c","language":"py","prompt":"y"}"#,  // 6
        #"{"id":"d","prompt":"z"}"#,  // 7
        good,  // 8
        #"{"id":"a","language":"python","prompt":"other"}"#,  // 9
        #"{"id":"e","language":"python","prompt":"   "}"#,  // 10
        #"{"id":"f","language":"cobol","prompt":"q"}"#,  // 11
        #"{"id":"g","language":"python","prompt":"q","split":"held-out"}"#,  // 12
        #"{"id":"h","language":"python","prompt":"q","completes_prompt":"yes"}"#,  // 13
        #"{"id":"i","language":"cpp","prompt":"q","test":"assert(1);"}"#,  // 14
        #"{"id":"j","language":"python","prompt":"q","reference":"def g(:\n  pass"}"#,  // 15
    ]
    static let text = lines.joined(separator: "\n") + "\n"

    static let expected: [(Int, String, Bool)] = [
        (2, "field 'test' does not parse as Python: line 1: '(' was never closed", false),
        (3, "blank line", true),
        (4, "CRLF line ending", true),
        (5, "invalid JSON", false),
        (6, "field 'language': 'py' is spelled 'python'", true),
        (7, "missing field 'language' (inferred: cpp)", true),
        (8, "duplicate of line 1", true),
        (9, "duplicate id 'a' (first on line 1)", false),
        (10, "field 'prompt' is empty", false),
        (11, "field 'language': unknown language 'cobol' (known: c, cpp, python)", false),
        (12, "field 'split': 'held-out' is spelled 'held_out'", true),
        (13, "field 'completes_prompt' must be true or false", false),
        (14, "field 'test': a C/C++ test is a program with its own main()", false),
        (15, "field 'reference' does not parse as Python: line 1: invalid syntax", false),
    ]

    @Test func reportsEveryProblemWithItsLine() {
        let report = RecordValidation.validate(text: Self.text, path: "/data/tasks_cpp.jsonl")
        #expect(report.note == nil)
        #expect(report.records == 14)
        let found = report.problems.map { "\($0.line) \($0.message.hasPrefix("invalid JSON") ? "invalid JSON" : $0.message) \($0.fixable)" }
        #expect(found == Self.expected.map { "\($0.0) \($0.1) \($0.2)" })
    }

    @Test func fixingLeavesOnlyTheUnfixable() {
        let report = RecordValidation.validate(text: Self.text, path: "/data/tasks_cpp.jsonl")
        let again = RecordValidation.validate(text: report.fixedText, path: "/data/tasks_cpp.jsonl")
        #expect(again.problems.allSatisfy { !$0.fixable })
        #expect(again.problems.map { $0.message.hasPrefix("invalid JSON") ? "invalid JSON" : $0.message }
            == Self.expected.filter { !$0.2 }.map(\.1))
        #expect(again.records == 13, "the exact duplicate is gone")
        #expect(report.fixedText.contains(#""language":"cpp""#) && report.fixedText.contains(#""split":"held_out""#))
        #expect(!report.fixedText.contains("\r"))
    }

    @Test func prepareOutputIsClean() throws {
        let records = try Prepare.records(source: "mbpp-sanitized", datasets: Datasets.defaultFolder())
        let report = RecordValidation.validate(text: records.map { $0.jsonLine + "\n" }.joined(), path: "mbpp.jsonl")
        #expect(report.problems.isEmpty && report.records == 427 && report.note == nil)
    }

    var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("halo-forge").path
    }

    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func commandPrintsFileAndLineAndFixesInPlace() throws {
        let file = FileManager.default.temporaryDirectory.path + "/hf-validate-\(getpid())_cpp.jsonl"
        try Self.text.write(toFile: file, atomically: true, encoding: .utf8)
        let (status, output) = try run(["data", "validate", file])
        #expect(status == 1)
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == Self.expected.count)
        #expect(lines.contains("\(file):2: field 'test' does not parse as Python: line 1: '(' was never closed"))
        #expect(lines.contains("\(file):3: blank line (--fix fixes it)"))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == Self.text, "no --fix: the file is untouched")

        let (fixStatus, _) = try run(["data", "validate", "--fix", file])
        #expect(fixStatus == 1, "unfixable problems remain")
        let (_, after) = try run(["data", "validate", file])
        #expect(after.split(separator: "\n").count == Self.expected.filter { !$0.2 }.count)

        try (Self.good + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try run(["data", "validate", file]).status == 0)
    }
}
