import Foundation
@testable import HaloForgeData
import Testing

/// What a model learns from before RAFT (the SFT format corpus, the tiny model's pre-training
/// corpus in the worker) defines no function of a built-in task, training or held-out: a
/// held-out score must measure what RAFT taught, not a memorised answer.
struct CorpusLeakageTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let taskNames = Set(BuiltinTasks.all.compactMap(\.entryPoint))

    /// The functions `source` defines: C and C++ definitions that open at column 0 and end
    /// their line with a brace, or Python `def`s.
    static func definedFunctions(in source: String, python: Bool) throws -> [String] {
        let definition = python
            ? try Regex(#"^\s*def ([A-Za-z_]\w*)\("#)
            : try Regex(#"^[A-Za-z_][\w:<>,\s*&]*?[\s*&]([A-Za-z_]\w*)\s*\([^;]*\)\s*(const\s*)?\{\s*$"#)
        return source.split(separator: "\n").compactMap { line in
            (try? definition.firstMatch(in: line)).flatMap { $0?.output[1].substring.map(String.init) }
        }
    }

    @Test func definitionsAreFound() throws {
        let c = """
            static int compare(const void *x, const void *y) {
            std::vector<std::vector<int>> transpose(const std::vector<std::vector<int>>& m) {
            char *duplicate(const char *s) {
            int declared(int n);
                if (x > 0) {
            struct point {
            """
        #expect(try Self.definedFunctions(in: c, python: false) == ["compare", "transpose", "duplicate"])
        let python = "def add(a, b):\n    def letters(s):\n        return s\nx = add(1, 2)\n"
        #expect(try Self.definedFunctions(in: python, python: true) == ["add", "letters"])
    }

    @Test func sftCorpusDefinesNoTaskFunction() throws {
        let entries = try SFTCorpus.entries()
        let names = try entries.flatMap { try Self.definedFunctions(in: $0.code, python: false) }
        #expect(names.count >= entries.count)
        let leaked = Set(names).intersection(Self.taskNames)
        #expect(leaked.isEmpty, "sft-corpus.c defines the task functions \(leaked.sorted())")
    }

    @Test func workerCorpusDefinesNoTaskFunction() throws {
        let folder = Self.repository + "/python/halo_forge_worker/corpus"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        #expect(files.count >= 3, "\(files)")
        for file in files {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            let names = try Self.definedFunctions(in: text, python: file.hasSuffix(".py"))
            #expect(names.count >= 10, "\(file): only \(names.count) functions found")
            let leaked = Set(names).intersection(Self.taskNames)
            #expect(leaked.isEmpty, "\(file) defines the task functions \(leaked.sorted())")
        }
    }
}
