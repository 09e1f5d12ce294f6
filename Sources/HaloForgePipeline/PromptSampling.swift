internal import Foundation
internal import HaloForgeCore
public import HaloForgeEngine

/// `generate`: completions for a JSONL file of prompts, written as JSONL.
public enum PromptSampling {
    /// The (id, prompt) pairs of a JSONL file; a numeric id (MBPP's) is kept as its text.
    public static func prompts(_ path: String) throws -> [(id: String, prompt: String)] {
        try readJSONL(path, required: ["id", "prompt"]).map { (id: $0["id"]!.stringValue ?? $0["id"]!.serialized, prompt: $0["prompt"]!.stringValue!) }
    }

    /// Samples the prompts of `input` with `generator` and writes one record per completion to
    /// `output` (`-`: standard output), then a throughput line on standard error.
    public static func run(
        input: String, output: String, parameters: SamplingParameters, generator: GeneratorSetup,
        model: String?, adapter: String?, threads: Int?, device: String
    ) async throws {
        let result = try await generator.generate(
            try prompts(input), parameters, model: model, adapter: adapter, threads: threads, device: device)
        try writeAtomically(jsonl(result.samples), to: output)
        Terminal.clearLine()
        Terminal.note(String(
            format: "generated %d samples, %d tokens in %.1f s (%.0f tokens/s)", result.samples.count, result.tokens, result.seconds,
            result.tokensPerSecond))
    }

    /// One record per sample: id, sample, completion, prompt_tokens, completion_tokens, finish_reason.
    public static func jsonl(_ samples: [GeneratedSample]) -> String {
        var text = ""
        for s in samples {
            JSONValue.writeObject([
                ("id", .string(s.id)), ("sample", .int(s.sample)), ("completion", .string(s.completion)),
                ("prompt_tokens", .int(s.promptTokens)), ("completion_tokens", .int(s.completionTokens)),
                ("finish_reason", .string(s.finishReason)),
            ], to: &text)
            text += "\n"
        }
        return text
    }
}
