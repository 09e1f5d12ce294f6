import ArgumentParser
import HaloForgeBench
import HaloForgeData

struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract: "Quality of a model's code: pass@k, compile rate and mean reward on a benchmark (speed: `halo-forge speed`).",
        subcommands: [Run.self, BenchmarkFull.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score a model (or given completions) on a benchmark with the unbiased pass@k estimator.",
            discussion: """
                With --model, samples --samples completions per problem with the model engine (with
                --generator URL, through an OpenAI-compatible server); with
                --completions FILE (JSONL: task_id or id, completion or code), scores those instead
                (replay): ids match the problems' own (HumanEval/0, MBPP/2) or a dataset's native
                form (MBPP's integer task_id, evalplus's Mbpp/2, "2").
                """)

        @Option(help: "Benchmark: humaneval (default), mbpp, mbpp-sanitized, humaneval-x-cpp, builtin-c, codeforces (compile only), or a prompt file.") var dataset: String?
        @OptionGroup var taskOptions: TaskOptions
        @Option(help: "Replay: score the completions in this JSONL file (task_id, completion) without a model.") var completions: String?
        @Option(help: "Samples per problem (with --model).") var samples: Int = 10
        @Option(help: "Values of k, comma-separated.") var k: String = "1,5,10"
        @Option(help: "Use only the first N problems (0: all).") var limit: Int = 0
        @Option(help: "Sampling temperature.") var temperature: Double = 0.7
        @Option(help: "Most new tokens per completion.") var maxNewTokens: Int = 384
        @Option(name: [.short, .long], help: "Write the JSON summary (with per-problem results) here.") var output: String?
        @Option(name: [.short, .long], help: "Model (with generation): a folder, a Hugging Face id, tiny or smollm2.") var model: String?
        @Option(help: "A LoRA adapter folder to load on the model.") var adapter: String?
        @OptionGroup var options: VerifierOptions
        @OptionGroup var generatorOptions: GeneratorOptions

        func validate() throws {
            if dataset != nil && taskOptions.prompts != nil { throw ValidationError("give --dataset or --prompts, not both") }
            if [completions != nil, model != nil, generatorOptions.generator != nil].filter({ $0 }).count != 1 {
                throw ValidationError("give exactly one of --model, --generator and --completions")
            }
            if generatorOptions.engine == .vllm, model == nil { throw ValidationError("--engine vllm needs --model") }
            if parsedK.isEmpty { throw ValidationError("--k: expected positive integers such as 1,5,10") }
        }

        var parsedK: [Int] { PassAtK.ks(parsing: k) }

        func run() async throws {
            let source = taskOptions.prompts ?? dataset ?? DatasetName.humaneval.rawValue
            let (set, choice) = try resolveTasks(source, verifier: taskOptions.verifier, datasets: taskOptions.datasets)
            var from = BenchmarkRun.Completions()
            (from.file, from.generator, from.model, from.adapter) = (completions, generatorOptions.setup, model, adapter)
            (from.sampling.n, from.sampling.temperature, from.sampling.maxNewTokens) = (samples, temperature, maxNewTokens)
            try await BenchmarkRun.run(
                dataset: source, tasks: limit > 0 ? Array(set.tasks.prefix(limit)) : set.tasks, completions: from, ks: parsedK,
                jobs: options.jobs, output: output) { try options.makeVerifier(quiet: true, choice: choice) }
        }
    }
}
