public import Foundation
public import HaloForgeCore
public import HaloForgeEngine

/// `halo-forge speed generate|train`: the engine's tokens/s against naive baselines, and the
/// worker's generation against vLLM's, on short C prompts of varied length.
public enum EngineSpeed {
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

    public static func prompts(_ count: Int) -> [(id: String, prompt: String)] {
        (0..<count).map { (id: "p\($0)", prompt: tasks[$0 % tasks.count]) }
    }

    public static func examples(_ count: Int) -> [(prompt: String, completion: String)] {
        (0..<count).map { i in
            let body = String(repeating: "    x = x * 31 + \(i);\n", count: 1 + (i * 7) % 23)
            return (prompt: tasks[i % tasks.count], completion: "int f(int x) {\n" + body + "    return x;\n}\n")
        }
    }

    /// `speed generate`: the worker's batched generate against a naive loop, or with vLLM as the
    /// generator against vLLM's. `engine` has the model at `path` loaded.
    public static func generation(engine: Engine, path: String, generator: GeneratorSetup, prompts count: Int, samples: Int, maxNewTokens: Int) async throws {
        if generator.engine == .vllm {
            return try await againstVLLM(engine: engine, path: path, generator: generator, prompts: count, samples: samples, maxNewTokens: maxNewTokens)
        }
        let result = try await engine.benchGenerate(prompts(count), n: samples, maxNewTokens: maxNewTokens)
        report(model: path, work: "\(count) prompts × \(samples) samples × \(maxNewTokens) new tokens", result)
    }

    /// The worker's generate against vLLM's on the same prompts and settings: both tokens/s and
    /// the ratio. Each side samples a small warm-up request first, untimed. `engine` has the model at `path` loaded.
    public static func againstVLLM(
        engine: Engine, path: String, generator: GeneratorSetup, prompts count: Int, samples: Int, maxNewTokens: Int
    ) async throws {
        var p = SamplingParameters()
        p.n = samples
        p.maxNewTokens = maxNewTokens
        let inputs = prompts(count)
        let chat = try await engine.worker.request("chat_prompt", ["messages": .array([.object(["role": .string("user"), "content": .string("x")])])])
        let api: OpenAIGenerator.API = chat["templated"] == .bool(true) ? .chat : .completions  // as the worker formats prompts
        var warm = p
        warm.n = 2
        warm.maxNewTokens = 4
        _ = try await engine.generate(Array(inputs.prefix(1)), warm)
        let worker = try await engine.generate(inputs, p, progress: progressPrinter("worker"))
        let vllm = try await generator.withGenerator(engine: engine, model: path, api: api) { vllm in
            _ = try await vllm!.generate(prompts: Array(inputs.prefix(1)), parameters: warm)
            return try await vllm!.generate(prompts: inputs, parameters: p)
        }
        Terminal.clearLine()
        print("model      \(path)")
        print("work       \(count) prompts × \(samples) samples × up to \(maxNewTokens) new tokens, temperature \(p.temperature)")
        print(String(format: "worker     %d tokens in %.1f s: %.1f tokens/s", worker.tokens, worker.seconds, worker.tokensPerSecond))
        print(String(format: "vllm       %d tokens in %.1f s: %.1f tokens/s", vllm.tokens, vllm.seconds, vllm.tokensPerSecond))
        print(String(format: "ratio      %.2f (vllm / worker)", vllm.tokensPerSecond / max(worker.tokensPerSecond, 1e-9)))
    }

    /// `speed generate` / `speed train`: the model and the work, then every number the worker measured.
    public static func report(model: String, work: String, _ result: JSONValue) {
        print("model      \(model)")
        print("work       \(work)")
        printRatio(result)
    }

    /// Prints every number the worker measured, then the ratio.
    public static func printRatio(_ result: JSONValue) {
        for (key, value) in (result.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let text = value.doubleValue.map { String(format: "%.1f", $0) } ?? value.serialized
            print(key.padding(toLength: 28, withPad: " ", startingAt: 0) + text)
        }
    }
}
