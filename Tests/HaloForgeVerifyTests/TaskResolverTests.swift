import Foundation
import HaloForgeCore
import HaloForgeData
@testable import HaloForgeVerify
import Testing

/// The one resolver: built-in names, the shipped datasets found without ../shared, users'
/// prompt files in each layout, what --verifier fills in, and splits that keep a repeated
/// statement on one side.
@Suite struct TaskResolverTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func temporaryFile(_ name: String, _ lines: [String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.path + "/hf-resolver-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func shippedDatasetsAreFoundFromTheExecutable() throws {
        let folder = try #require(Datasets.shippedFolder())
        #expect(URL(fileURLWithPath: folder).standardized.path == Self.repository + "/datasets")
        for name in DatasetName.allCases {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + name.fileName), "\(name.fileName)")
        }
        #expect(try String(contentsOfFile: folder + "/ATTRIBUTION.md", encoding: .utf8).contains("CC-BY-4.0"))
    }

    @Test func builtinNamesResolve() throws {
        let builtin = try TaskResolver.resolve("builtin-c")
        #expect(builtin.train.count == 48 && builtin.heldOut.count == 96)
        #expect(builtin.train.map(\.id) == BuiltinTasks.train().map(\.id))
        let humaneval = try TaskResolver.resolve("humaneval")
        #expect(humaneval.tasks.count == 164 && humaneval.heldOut.count == 41)
        // HumanEval-X C++: the problems this host cannot build are named, not silently lost
        let cpp = try TaskResolver.resolve("humaneval-x-cpp")
        #expect(cpp.tasks.count + cpp.skipped.count == 164 && cpp.skipped.contains { $0.hasPrefix("CPP/162") })
        // other tools' names for the same sets
        #expect(DatasetName(named: "codeforces_cpp") == .codeforces && DatasetName(named: "mbpp_sanitized") == .mbppSanitized)
        let codeforces = try TaskResolver.resolve("codeforces_cpp")
        #expect(codeforces.tasks.count == 500 && codeforces.tasks.allSatisfy { !$0.hasTests && $0.language == .cpp })
        #expect { try TaskResolver.resolve("humaneva") } throws: { "\($0)".contains("not a built-in set (builtin-c, humaneval") }
    }

    @Test func repeatedStatementsStayOnOneSide() throws {
        let records = try Prepare.records(source: "codeforces", datasets: Datasets.defaultFolder())
        let sides = Dictionary(grouping: records, by: \.prompt).mapValues { Set($0.map(\.split)) }
        #expect(sides.count < records.count, "the sample repeats statements")
        #expect(sides.values.filter { $0.count > 1 }.isEmpty, "statements on both sides: \(sides.values.filter { $0.count > 1 }.count)")
        let heldOut = records.filter { $0.split == .heldOut }.count
        #expect(heldOut >= 125 && heldOut < 135)
        // sets without repeats split exactly as before grouping
        let ids = (0..<40).map { "t\($0)" }
        #expect(Datasets.heldOutIDs(ids, dataset: "x", statements: ids.map { "say " + $0 }) == Datasets.heldOutIDs(ids, dataset: "x"))
    }

    @Test func promptFileLayouts() throws {
        let mixed = try TaskResolver.resolve(Self.repository + "/examples/prompts.jsonl")
        #expect(mixed.tasks.count == 6)
        #expect(mixed.tasks.filter { !$0.io.isEmpty }.map(\.language) == [.c, .c])
        #expect(mixed.tasks.filter { $0.language == .python }.allSatisfy { $0.test != nil })
        #expect(mixed.tasks.filter { !$0.hasTests }.map(\.id) == ["c/gcd", "c/count-words"])

        // bare prompts (upstream prompt files): ids from the line, the language from --verifier
        let bare = try temporaryFile("bare.jsonl", [#"{"prompt": "Write hello world in C++."}"#, "", #"{"prompt": "Print 42."}"#])
        #expect { try TaskResolver.resolve(bare) } throws: { "\($0)".contains("bare.jsonl: line 1: missing field 'language' (or give --verifier") }
        let gcc = try VerifierChoice(parsing: "gcc")
        let tasks = try TaskResolver.resolve(bare, defaults: TaskDefaults(language: gcc.language)).tasks
        #expect(tasks.map(\.id) == ["bare/1", "bare/3"] && tasks.allSatisfy { $0.language == .cpp && !$0.hasTests })

        // pytest fills the framework of a Python record that does not say; a record that says keeps it
        let py = try temporaryFile("py.jsonl", [
            #"{"id": "a", "language": "python", "prompt": "p", "test": "from solution import f\ndef test_f(): assert f() == 1\n"}"#,
            #"{"id": "b", "language": "python", "prompt": "p", "test": "assert f() == 1", "test_framework": "asserts"}"#,
        ])
        let pytest = try VerifierChoice(parsing: "pytest")
        let judged = try TaskResolver.resolve(py, defaults: TaskDefaults(language: pytest.language, testFramework: pytest.testFramework)).tasks
        #expect(judged.map(\.testFramework) == [.pytest, .asserts])
        #expect(judged[0].sample(completion: "def f(): return 1", index: 0).testFramework == .pytest)

        // a custom language is accepted only when a custom verifier serves it
        let rust = try temporaryFile("rust.jsonl", [#"{"id": "r", "language": "rust", "prompt": "fn main"}"#])
        #expect { try TaskResolver.resolve(rust) } throws: { "\($0)".contains("line 1: field 'language': unknown language 'rust'") }
        let custom = try VerifierChoice(parsing: "custom:rust:rs:rustc {file} -o {output}")
        #expect(try TaskResolver.resolve(rust, defaults: TaskDefaults(customLanguages: custom.customLanguages)).tasks.first?.language == .custom("rust"))
    }

    @Test func verifierChoices() throws {
        #expect(try VerifierChoice(parsing: "clang") == .clang)
        #expect(try VerifierChoice(parsing: "unittest").testFramework == .unittest)
        #expect(try VerifierChoice(parsing: "mingw").language == .cpp)
        #expect { try VerifierChoice(parsing: "javac") } throws: { "\($0)".contains("unknown verifier 'javac' (known: gcc, clang") }
        #expect { try VerifierChoice(parsing: "custom:rust") } throws: { "\($0)".contains("expected LANG:EXT:COMPILE[:RUN]") }

        var configuration = VerifierConfiguration()
        try VerifierChoice.mingw.apply(to: &configuration)
        #expect(configuration.target == .mingw)
        try VerifierChoice(parsing: "clang").apply(to: &configuration)
        #expect(configuration.compiler == .clang)
        try VerifierChoice(parsing: "custom:sh:sh::sh {file}").apply(to: &configuration)
        #expect(configuration.customLanguages == [CustomLanguage(name: "sh", fileExtension: "sh", compile: nil, run: "sh {file}")])
        #expect { try VerifierChoice.msvc.apply(to: &configuration) } throws: { "\($0)".contains("give --remote HOST") }
        configuration.remote = RemoteConfiguration(host: "winbox")
        try VerifierChoice.msvc.apply(to: &configuration)
        #expect(configuration.remote?.kind == .powershell)
    }

    /// The example prompts' references verify as the prompts say: I/O and asserts to 1.0, the
    /// untested C functions to the compile rung.
    @Test func examplePromptsReferencesVerify() async throws {
        let set = try TaskResolver.resolve(Self.repository + "/examples/prompts.jsonl")
        let verifier = try Verifier()
        for task in set.tasks {
            let verdict = await verifier.verify(task.sample(completion: task.reference!, index: 0))
            #expect(verdict.reward == (task.hasTests ? 1.0 : 0.5), "\(task.id): \(verdict.outcome) \(verdict.detail)")
        }
    }
}

/// A Hugging Face folder of Parquet files is read through Python's pyarrow when a Python
/// halo-forge uses has it; without one the error says what to install.
@Suite struct ParquetFolderTests {
    /// A Python with pyarrow among those halo-forge tries (HALO_FORGE_PYTHON, python3), if any.
    func pythonWithPyarrow() -> String? {
        for python in [ProcessInfo.processInfo.environment["HALO_FORGE_PYTHON"], "/usr/bin/python3", "/usr/local/bin/python3"].compactMap({ $0 }) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", "import pyarrow"]
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            process.waitUntilExit()
            if process.terminationStatus == 0 { return python }
        }
        return nil
    }

    @Test func parquetFolder() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/hf-parquet-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        guard let python = pythonWithPyarrow() else {
            try "not parquet".write(toFile: dir + "/data/train.parquet", atomically: true, encoding: .utf8)
            #expect { try TaskResolver.resolve(dir) } throws: { "\($0)".contains("reading Parquet needs pyarrow") && "\($0)".contains("pip install pyarrow") }
            return
        }
        // MBPP's first 30 problems written as a Hugging Face dataset would ship them.
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: python)
        writer.arguments = [
            "-c",
            "import json, sys, pyarrow as pa, pyarrow.parquet as pq\nrows = [json.loads(l) for l in open(sys.argv[1])][:30]\npq.write_table(pa.Table.from_pylist(rows), sys.argv[2])",
            Datasets.defaultFolder() + "/mbpp.jsonl", dir + "/data/train-00000-of-00001.parquet",
        ]
        try writer.run()
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        let set = try TaskResolver.resolve(dir)
        #expect(set.tasks.map(\.id) == (1...30).map { "MBPP/\($0)" })
        #expect(set.heldOut.count == 20 && set.tasks.allSatisfy { $0.test?.contains("assert") == true })
    }
}
