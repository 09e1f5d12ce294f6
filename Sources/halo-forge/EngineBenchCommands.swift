import ArgumentParser
import Foundation
import HaloForgeCore
import HaloForgeEngine

/// Prompts and training pairs for the engine benchmarks: short C tasks of varied length.
enum BenchCorpus {
    static let tasks = [
        "Write a C function int add(int a, int b) that returns the sum of a and b.",
        "Write a C function that reverses a string in place.",
        "Write a C program that reads n integers and prints their maximum.",
        "Write a C function int is_prime(int n) that returns 1 when n is prime.",
        "Write a C function that counts the vowels in a string.",
        "Write a C function long factorial(int n) using a loop.",
        "Write a C program that prints the first n Fibonacci numbers, n read from stdin.",
        "Write a C function that sorts an array of ints with insertion sort.",
    ]

    static func prompts(_ count: Int) -> [(id: String, prompt: String)] {
        (0..<count).map { (id: "p\($0)", prompt: tasks[$0 % tasks.count]) }
    }

    static func examples(_ count: Int) -> [(prompt: String, completion: String)] {
        (0..<count).map { i in
            let body = String(repeating: "    x = x * 31 + \(i);\n", count: 1 + (i * 7) % 23)
            return (prompt: tasks[i % tasks.count], completion: "int f(int x) {\n" + body + "    return x;\n}\n")
        }
    }
}

struct GenerateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generation tokens/s of the engine against a naive loop of one model.generate per prompt and sample.")

    @OptionGroup var engineOptions: EngineOptions

    @Option(help: "Prompts.")
    var prompts: Int = 4

    @Option(help: "Samples per prompt.")
    var samples: Int = 8

    @Option(help: "New tokens per sample.")
    var maxNewTokens: Int = 64

    @OptionGroup var generatorOptions: GeneratorOptions

    func run() async throws {
        if generatorOptions.engine == .vllm { return try await againstVLLM() }
        let (result, path) = try await engineOptions.withLoadedEngine { engine, path in
            (try await engine.benchGenerate(BenchCorpus.prompts(prompts), n: samples, maxNewTokens: maxNewTokens), path)
        }
        print("model      \(path)")
        print("work       \(prompts) prompts × \(samples) samples × \(maxNewTokens) new tokens")
        printRatio(result)
    }
}

extension GenerateBench {
    /// The worker's generate against vLLM's on the same prompts and settings: both tokens/s and
    /// the ratio. Each side samples a small warm-up request first, untimed.
    func againstVLLM() async throws {
        var p = SamplingParameters()
        p.n = samples
        p.maxNewTokens = maxNewTokens
        let inputs = BenchCorpus.prompts(prompts)
        let (worker, vllm, path) = try await engineOptions.withLoadedEngine { engine, path in
            let chat = try await engine.worker.request("chat_prompt", ["messages": .array([.object(["role": .string("user"), "content": .string("x")])])])
            let api: OpenAIGenerator.API = chat["templated"] == .bool(true) ? .chat : .completions  // as the worker formats prompts
            var warm = p
            warm.n = 2
            warm.maxNewTokens = 4
            _ = try await engine.generate(Array(inputs.prefix(1)), warm)
            let worker = try await engine.generate(inputs, p, progress: progressPrinter("worker"))
            let vllm = try await generatorOptions.withGenerator(engine: engine, model: path, api: api) { vllm in
                _ = try await vllm!.generate(prompts: Array(inputs.prefix(1)), parameters: warm)
                return try await vllm!.generate(prompts: inputs, parameters: p)
            }
            return (worker, vllm, path)
        }
        if Terminal.stderrIsTTY { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        print("model      \(path)")
        print("work       \(prompts) prompts × \(samples) samples × up to \(maxNewTokens) new tokens, temperature \(p.temperature)")
        print(String(format: "worker     %d tokens in %.1f s: %.1f tokens/s", worker.tokens, worker.seconds, worker.tokensPerSecond))
        print(String(format: "vllm       %d tokens in %.1f s: %.1f tokens/s", vllm.tokens, vllm.seconds, vllm.tokensPerSecond))
        print(String(format: "ratio      %.2f (vllm / worker)", vllm.tokensPerSecond / max(worker.tokensPerSecond, 1e-9)))
    }
}

struct TrainBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training tokens/s of the engine (dynamic, length-grouped padding) against padding every sequence to 2048 tokens.")

    @OptionGroup var engineOptions: EngineOptions

    @Option(help: "Training pairs.")
    var examples: Int = 32

    @Option(help: "Optimizer steps per variant.")
    var steps: Int = 5

    func run() async throws {
        let (result, path) = try await engineOptions.withLoadedEngine { engine, path in
            (try await engine.benchTrain(BenchCorpus.examples(examples), steps: steps), path)
        }
        print("model      \(path)")
        print("work       \(examples) pairs, \(steps) steps per variant")
        printRatio(result)
    }
}

/// Prints every number the worker measured, then the ratio.
func printRatio(_ result: JSONValue) {
    for (key, value) in (result.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
        let text = value.doubleValue.map { String(format: "%.1f", $0) } ?? value.serialized
        print(key.padding(toLength: 28, withPad: " ", startingAt: 0) + text)
    }
}
