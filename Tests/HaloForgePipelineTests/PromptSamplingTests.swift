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

/// The generator flags that contradict each other, refused by name.
@Suite struct GeneratorSetupTests {
    @Test func contradictionsNameTheFlags() throws {
        try GeneratorSetup().validate()
        var remote = GeneratorSetup()
        remote.model = "m"
        #expect { try remote.validate() } throws: { "\($0)" == "--generator-model and --generator-reload need --generator" }
        remote.url = "http://127.0.0.1:8000"
        try remote.validate()
        remote.engine = .vllm
        #expect { try remote.validate() } throws: { "\($0)" == "give --engine vllm or --generator, not both" }
        var worker = GeneratorSetup()
        worker.vllmArguments = ["--max-model-len"]
        #expect { try worker.validate() } throws: { "\($0)" == "--vllm-arg needs --engine vllm" }
        worker = GeneratorSetup()
        worker.concurrency = 0
        #expect { try worker.validate() } throws: { "\($0)" == "--generator-concurrency must be at least 1" }
    }
}
