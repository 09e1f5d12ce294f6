import Foundation
@testable import HaloForgeBench
import HaloForgeData
import HaloForgeVerify
import Testing

@Suite struct PassAtKTests {
    /// The estimator from the Codex paper's reference code, with exact binomials.
    func reference(n: Int, c: Int, k: Int) -> Double {
        func choose(_ n: Int, _ k: Int) -> Double {
            guard k >= 0, k <= n else { return 0 }
            var r = 1.0
            for i in 0..<k { r = r * Double(n - i) / Double(i + 1) }
            return r
        }
        return 1.0 - choose(n - c, k) / choose(n, k)
    }

    @Test(arguments: [(10, 0, 1), (10, 1, 1), (10, 5, 1), (10, 3, 5), (20, 2, 10), (200, 13, 1), (200, 13, 10), (200, 13, 100), (5, 5, 5)])
    func matchesTheClosedForm(n: Int, c: Int, k: Int) {
        #expect(abs(PassAtK.estimate(n: n, c: c, k: k) - reference(n: n, c: c, k: k)) < 1e-9)
    }

    @Test func knownValues() {
        #expect(PassAtK.estimate(n: 10, c: 5, k: 1) == 0.5)
        #expect(PassAtK.estimate(n: 1, c: 1, k: 1) == 1.0)
        #expect(PassAtK.estimate(n: 8, c: 0, k: 5) == 0.0)
        #expect(abs(PassAtK.estimate(n: 4, c: 1, k: 2) - 0.5) < 1e-12)  // 1 - C(3,2)/C(4,2) = 1 - 3/6
        #expect(PassAtK.estimate(n: 5, c: 3, k: 3) == 1.0)  // fewer than k wrong samples
        #expect(PassAtK.mean([(n: 10, c: 10), (n: 10, c: 0)], k: 1) == 0.5)
        #expect(PassAtK.mean([(n: 2, c: 1)], k: 5) == nil)
    }
}

@Suite struct ReplayBenchmarkTests {
    @Test func humanEvalCanonicalCompletionsScorePassAtOne() async throws {
        let tasks = try Datasets.tasks(.humaneval, folder: Datasets.defaultFolder())
        #expect(tasks.count == 164)
        let completions = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, [$0.reference!]) })
        let summary = await Benchmark.score(
            dataset: "humaneval", tasks: tasks, completions: completions, verifier: try Verifier(), jobs: 2, ks: [1])
        #expect(summary.passAtK.first?.value == 1.0)
        #expect(summary.compileRate == 1.0)
        #expect(summary.samples == 164)
    }

    @Test func wrongAndBrokenCompletionsAreCounted() async throws {
        let tasks = Array(try Datasets.tasks(.humaneval, folder: Datasets.defaultFolder()).prefix(2))
        var completions: [String: [String]] = [:]
        for task in tasks {
            completions[task.id] = [task.reference!, "    return None\n", "    return (\n"]
        }
        let summary = await Benchmark.score(
            dataset: "humaneval", tasks: tasks, completions: completions, verifier: try Verifier(), jobs: 2, ks: [1, 2])
        #expect(abs(summary.passAtK[0].value - 1.0 / 3.0) < 1e-9)
        #expect(abs(summary.passAtK[1].value - 2.0 / 3.0) < 1e-9)
        #expect(abs(summary.compileRate - 2.0 / 3.0) < 1e-9)
        #expect(summary.problems.allSatisfy { $0.samples == 3 && $0.correct == 1 })
    }

    @Test func completionsFileErrorsNameTheLine() throws {
        let path = FileManager.default.temporaryDirectory.path + "/hf-completions-\(getpid()).jsonl"
        try "{\"task_id\": \"HumanEval/0\", \"completion\": \"x\"}\n{\"task_id\": \"HumanEval/1\"}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: DatasetError.self) { try Benchmark.readCompletions(path) }
        #expect { _ = try Benchmark.readCompletions(path) } throws: { "\($0)".contains("line 2: missing field 'completion'") }
    }
}

/// Replay finds each completion's problem by the dataset's own ids and the native forms
/// other harnesses write.
@Suite struct ReplayMatchingTests {
    @Test func nativeIdsMatch() throws {
        let tasks = try TaskResolver.resolve("mbpp").tasks
        let path = FileManager.default.temporaryDirectory.path + "/hf-native-ids-\(getpid()).jsonl"
        try [
            #"{"task_id": 2, "completion": "a"}"#, #"{"task_id": "Mbpp/3", "completion": "b"}"#, #"{"task_id": "4", "completion": "c"}"#,
            #"{"id": "MBPP/5#0", "code": "d"}"#, #"{"task_id": "HumanEval/6", "completion": "e"}"#,
        ].joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        var unmatched: [String] = []
        let matched = try Benchmark.match(try Benchmark.readCompletions(path), to: tasks, file: path) { unmatched.append($0) }
        #expect(matched == ["MBPP/2": ["a"], "MBPP/3": ["b"], "MBPP/4": ["c"], "MBPP/5": ["d"]])
        #expect(unmatched.count == 1 && unmatched[0].contains("HumanEval/6"))
        // evalplus's Mbpp/N names the sanitized set's problems too
        let sanitized = try TaskResolver.resolve("mbpp-sanitized").tasks
        #expect(try Benchmark.match(["Mbpp/2": ["x"]], to: sanitized, file: "c.jsonl") == ["MBPP-S/2": ["x"]])
        #expect { try Benchmark.match(["1000": ["x"]], to: tasks, file: "c.jsonl") } throws: { "\($0)".contains("c.jsonl: no completion matches a problem") }
    }
}

@Suite struct PassAtKListTests {
    @Test func ksAreThePositiveIntegersOfTheList() {
        #expect(PassAtK.ks(parsing: "1,5,10") == [1, 5, 10])
        #expect(PassAtK.ks(parsing: " 1, x, 0, -2,3 ") == [1, 3])
        #expect(PassAtK.ks(parsing: "").isEmpty)
    }
}
