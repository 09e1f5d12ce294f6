import Foundation
import HaloForgeCore
import Testing

@Suite struct JSONLinesTests {
    @Test func linesAreNumberedAsAnEditorNumbersThem() {
        let text = "{\"a\":1}\n\n   \n{\"a\":2}\r\n{\"a\":3}"
        let lines = JSONLines.lines(in: Data(text.utf8))
        #expect(lines.map(\.number) == [1, 4, 5])
        #expect(lines.map { String(decoding: $0.text, as: UTF8.self) } == ["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"])
    }

    @Test func aBadLineIsNamedByItsNumberAfterBlankLines() {
        let text = "{\"a\":1}\n\n{\"a\":\n"
        #expect { _ = try JSONLines.objects(in: Data(text.utf8)) } throws: { "\($0)".contains("line 3") && "\($0)".contains("invalid JSON") }
        #expect { _ = try JSONLines.objects(in: Data("[1]\n".utf8)) } throws: { "\($0)".contains("line 1") && "\($0)".contains("object") }
    }

    @Test func theStreamingReaderAgreesWithTheInMemoryOne() async throws {
        let text = "{\"a\":1}\n\n{\"b\":[1,2]}\r\n\n\n{\"c\":null}\n"
        let path = FileManager.default.temporaryDirectory.path + "/hf-core-\(getpid()).jsonl"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forReadingAtPath: path))
        var streamed: [Int] = []
        for await line in JSONLines.lines(of: handle) { streamed.append(line.number) }
        #expect(streamed == JSONLines.lines(in: Data(text.utf8)).map(\.number))
        #expect(streamed == [1, 3, 6])
    }
}

@Suite struct JSONValueTests {
    @Test func valuesSurviveARoundTrip() throws {
        let value: JSONValue = .object([
            "s": .string("quote \" backslash \\ newline \n tab \t unicode é 😀"), "i": .int(-42), "d": .double(0.5),
            "b": .bool(true), "n": .null, "a": .array([.int(1), .string("x"), .array([])]), "o": .object(["k": .int(7)]),
        ])
        let again = try JSONValue.parse(Data(value.serialized.utf8))
        #expect(again == value)
    }

    @Test func integersStayIntegersAndUnknownFieldsPassThrough() throws {
        let record = try JSONValue.parse(Data(#"{"task_id": 11, "extra": {"nested": [1.5, "x"]}}"#.utf8))
        #expect(record["task_id"] == .int(11))
        #expect(record["extra"]?["nested"] == .array([.double(1.5), .string("x")]))
    }
}

@Suite struct RewardTests {
    @Test func theLadderIsOrdered() {
        let rungs = [Reward.syntaxError, Reward.compiledWithWarnings, Reward.compiled, Reward.ran, Reward.passed]
        #expect(rungs == rungs.sorted())
        #expect(Set(rungs).count == rungs.count)
    }

    @Test func partialCreditLiesBetweenRanAndPassed() {
        #expect(Reward.tests(passed: 0, total: 4) == Reward.ran)
        #expect(Reward.tests(passed: 4, total: 4) == Reward.passed)
        #expect(Reward.tests(passed: 5, total: 4) == Reward.passed)
        let half = Reward.tests(passed: 2, total: 4)
        #expect(half > Reward.ran && half < Reward.passed)
        #expect(Reward.tests(passed: 0, total: 0) == Reward.ran)
    }
}

@Suite struct TimeLeftTests {
    @Test func formatsSecondsAndMinutes() {
        #expect(TimeLeft.format(42) == "42s")
        #expect(TimeLeft.format(185) == "3m05s")
        #expect(TimeLeft.format(.nan) == "?")
        #expect(TimeLeft.format(-1) == "?")
    }

    @Test func estimatesFromTheRateSoFar() {
        #expect(TimeLeft.estimate(done: 0, total: 10, elapsed: 5) == "?")
        #expect(TimeLeft.estimate(done: 5, total: 10, elapsed: 10) == "10s")
    }
}
