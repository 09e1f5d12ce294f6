import Foundation
import HaloForgeCore
import HaloForgeEngine
import HaloForgePipeline
import Testing

@Suite struct PromptSamplingTests {
    @Test func numericIdsStayTextAndEachSampleIsOneRecord() throws {
        let file = FileManager.default.temporaryDirectory.path + "/hf-prompts-\(getpid()).jsonl"
        try "{\"id\": 2, \"prompt\": \"def f():\"}\n{\"id\": \"a\", \"prompt\": \"int main\"}\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let prompts = try PromptSampling.prompts(file)
        #expect(prompts.map(\.id) == ["2", "a"])
        #expect(prompts.map(\.prompt) == ["def f():", "int main"])

        let sample = try JSONValue.object([
            "id": .string("2"), "sample": .int(1), "completion": .string("  return 1\n"), "prompt_tokens": .int(3),
            "completion_tokens": .int(4), "finish_reason": .string("stop"),
        ]).decode(GeneratedSample.self)
        let records = try JSONLines.objects(in: Data(PromptSampling.jsonl([sample, sample]).utf8))
        #expect(records.count == 2)
        let record = records[0].object
        #expect(record["completion"]?.stringValue == "  return 1\n")
        #expect(record["finish_reason"]?.stringValue == "stop" && record["prompt_tokens"]?.intValue == 3)
    }
}
