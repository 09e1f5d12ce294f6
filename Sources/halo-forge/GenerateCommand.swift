import ArgumentParser
import Foundation
import HaloForgeCore
import HaloForgeEngine

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample completions for JSONL prompts (id, prompt) with the model engine.",
        discussion: "Output records: id, sample, completion, prompt_tokens, completion_tokens, finish_reason.")

    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var generatorOptions: GeneratorOptions
    @Option(help: "Input JSONL with id and prompt.") var prompts: String
    @Option(help: "Samples per prompt.") var samples: Int = 8
    @Option(help: "Sampling temperature (0: greedy).") var temperature: Double = 0.7
    @Option(help: "Nucleus sampling top-p.") var topP: Double = 0.95
    @Option(help: "Most new tokens per completion.") var maxNewTokens: Int = 256
    @Option(help: "A stop string (repeatable).") var stop: [String] = []
    @Option(help: "Random seed.") var seed: Int = 0
    @Option(name: [.short, .long], help: "Output JSONL, or - for standard output.") var output: String = "-"

    func validate() throws {
        if samples < 1 { throw ValidationError("--samples must be at least 1") }
        if maxNewTokens < 1 { throw ValidationError("--max-new-tokens must be at least 1") }
    }

    func run() async throws {
        let records = try readJSONL(prompts, required: ["id", "prompt"])
        var p = SamplingParameters()
        p.n = samples
        p.temperature = temperature
        p.topP = topP
        p.maxNewTokens = maxNewTokens
        p.stop = stop
        p.seed = seed
        let inputs = records.map { (id: $0["id"]!.stringValue ?? $0["id"]!.serialized, prompt: $0["prompt"]!.stringValue!) }
        let result = try await generatorOptions.setup.generate(
            inputs, p, model: engineOptions.model, adapter: engineOptions.adapter, threads: engineOptions.threads, device: engineOptions.device)
        var text = ""
        for s in result.samples {
            JSONValue.writeObject([
                ("id", .string(s.id)), ("sample", .int(s.sample)), ("completion", .string(s.completion)),
                ("prompt_tokens", .int(s.promptTokens)), ("completion_tokens", .int(s.completionTokens)),
                ("finish_reason", .string(s.finishReason)),
            ], to: &text)
            text += "\n"
        }
        if output == "-" { FileHandle.standardOutput.write(Data(text.utf8)) } else { try Data(text.utf8).write(to: URL(fileURLWithPath: output)) }
        Terminal.clearLine()
        Terminal.note(String(format: "generated %d samples, %d tokens in %.1f s (%.0f tokens/s)", result.samples.count, result.tokens, result.seconds, result.tokensPerSecond))
    }
}
