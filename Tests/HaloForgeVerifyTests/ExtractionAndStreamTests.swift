import Foundation
import HaloForgeCore
@testable import HaloForgeVerify
import Testing

@Suite struct FenceExtractionTests {
    @Test func takesTheFencedBlockWhateverItsTagOrCase() {
        for tag in ["python", "Python", "PY", "", "c++", "text"] {
            let text = "Here you go:\n```\(tag)\ndef f():\n    return 1\n```\nHope it helps."
            #expect(CodeExtraction.extract(text, language: .python) == "def f():\n    return 1\n")
        }
    }

    @Test func prefersTheBlockTaggedWithTheLanguage() {
        let text = "```bash\ngcc main.c\n```\n```C\nint main(void) { return 0; }\n```\n"
        #expect(CodeExtraction.extract(text, language: .c) == "int main(void) { return 0; }\n")
    }

    @Test func plainTextIsTakenAsIs() {
        let text = "    return a + b\n"
        #expect(CodeExtraction.extract(text, language: .python) == text)
    }

    @Test func unterminatedFenceRunsToTheEnd() {
        #expect(CodeExtraction.extract("```cpp\nint x = 1;\nint y", language: .cpp) == "int x = 1;\nint y\n")
    }

    @Test func completionIsAppendedToItsPrompt() {
        let source = CodeExtraction.source(of: .completion("```python\n    return 1\n```", prompt: "def f():\n"), language: .python)
        #expect(source == "def f():\n    return 1\n")
    }

    @Test func fencedCompletionVerifies() async {
        let sample = Sample(id: "f", language: .python, candidate: .completion("Sure!\n```PYTHON\ndef twice(x):\n    return 2 * x\n```", prompt: nil), test: pyCheck, entryPoint: "twice")
        #expect(await verify(sample).reward == 1.0)
    }
}

@Suite struct StreamTests {
    func stream(_ text: String) throws -> AsyncStream<JSONLines.Line> {
        let path = FileManager.default.temporaryDirectory.path + "/hf-stream-\(UUID().uuidString).jsonl"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return JSONLines.lines(of: FileHandle(forReadingAtPath: path)!)
    }

    final class Collected: @unchecked Sendable {
        let lock = NSLock()
        var results: [VerificationStream.Result] = []
        func add(_ r: VerificationStream.Result) { lock.lock(); results.append(r); lock.unlock() }
    }

    @Test func resultsComeInInputOrderWithFieldsPassedThrough() async throws {
        var lines = ""
        for i in 0..<6 {
            lines += #"{"id": "s\#(i)", "language": "c", "code": "int f(void) { return \#(i); }\n", "prompt_meta": {"k": [1, 2]}, "n": \#(i)}"# + "\n"
        }
        let collected = Collected()
        let error = await VerificationStream.run(try stream(lines), verifier: verifier, jobs: 3) { collected.add($0) }
        #expect(error == nil)
        try #require(collected.results.map(\.sample.id) == (0..<6).map { "s\($0)" })
        let first = try JSONValue.parse(Data(collected.results[0].jsonLine.utf8))
        #expect(first["prompt_meta"] == .object(["k": .array([.int(1), .int(2)])]))
        #expect(first["reward"] == .double(0.5))
        #expect(first["outcome"] == .string("compiled"))
    }

    @Test(arguments: [
        ("{not json", "line 3: invalid JSON"),
        (#"{"language": "c", "code": "int x;"}"#, "line 3: missing field 'id'"),
        (#"{"id": "x", "language": "cobol", "code": "x"}"#, "line 3: unknown language 'cobol'"),
        (#"{"id": "x", "language": "c"}"#, "line 3: missing field 'code' or 'completion'"),
        (#"{"id": "x", "language": "c", "code": "int x;", "io": [{"stdin": 1}]}"#, "line 3: field 'io[0]'"),
    ])
    func malformedRecordStopsWithItsLineAfterKeepingEarlierResults(bad: String, message: String) async throws {
        let good = #"{"id": "ok", "language": "c", "code": "int f(void) { return 1; }\n"}"#
        let text = good + "\n\n" + bad + "\n" + good + "\n"
        let collected = Collected()
        let error = await VerificationStream.run(try stream(text), verifier: verifier, jobs: 2) { collected.add($0) }
        #expect(error?.description.hasPrefix(message) == true, "got \(String(describing: error))")
        #expect(collected.results.count == 1)
    }
}
