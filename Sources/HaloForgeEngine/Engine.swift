internal import Foundation
public import HaloForgeCore

/// One generated completion.
public struct GeneratedSample: Sendable, Decodable {
    public var id: String
    public var sample: Int
    public var completion: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var finishReason: String
    /// The generated token ids, when asked for (`SamplingParameters.tokenIds`).
    public var tokenIds: [Int]?
}

public struct GenerationResult: Sendable, Decodable {
    public var samples: [GeneratedSample]
    public var tokens: Int
    public var seconds: Double
    public var tokensPerSecond: Double
}

/// Sampling settings.
public struct SamplingParameters: Sendable {
    public var n = 8
    public var temperature = 0.7
    public var topP = 0.95
    public var maxNewTokens = 256
    public var stop: [String] = []
    public var seed = 0
    /// "auto" uses the tokenizer's chat template when it has one.
    public var chat = "auto"
    /// Prompts per generation batch; nil lets the worker size batches from free memory.
    public var batchSize: Int?
    /// Return each sample's token ids too (an adapter probe compares them).
    public var tokenIds = false

    public init() {}
}

/// One optimizer step of a training run.
public struct TrainingStep: Sendable, Decodable {
    public var step: Int
    public var loss: Double
    public var gradNorm: Double
    public var lr: Double
    public var tokens: Int
    public var tokensPerSecond: Double
    /// Pieces each micro-batch was cut into after out-of-memory (1: none).
    public var microBatchSplit: Int?
    /// The step's peak allocated CUDA memory, or the worker's RSS on CPU (MiB).
    public var peakMemoryMb: Double?
}

/// Training on several processes with torchrun (DDP, or FSDP); nil or one process trains in the worker.
public struct DistributedTraining: Sendable, Equatable {
    /// Processes on this node (one per GPU on CUDA).
    public var nproc = 1
    public var nnodes = 1
    public var nodeRank = 0
    public var masterAddr = "127.0.0.1"
    /// 0: a free port (one node only).
    public var masterPort = 0
    /// Shard every weight across the processes (FSDP) rather than a whole copy in each (DDP).
    public var fsdp = false

    public init(nproc: Int = 1, nnodes: Int = 1, nodeRank: Int = 0, masterAddr: String = "127.0.0.1", masterPort: Int = 0,
                fsdp: Bool = false) {
        self.nproc = nproc
        self.nnodes = nnodes
        self.nodeRank = nodeRank
        self.masterAddr = masterAddr
        self.masterPort = masterPort
        self.fsdp = fsdp
    }

    var argument: JSONValue {
        .object([
            "nproc": .int(nproc), "nnodes": .int(nnodes), "node_rank": .int(nodeRank), "master_addr": .string(masterAddr),
            "master_port": .int(masterPort), "strategy": .string(fsdp ? "fsdp" : "ddp"),
        ])
    }

    /// Whether training leaves the worker: more than one process in all.
    public var isDistributed: Bool { nproc * nnodes > 1 }

    /// The first setting torchrun cannot run with, named by the flag that gives it, or nil.
    public var problem: String? {
        if nproc < 1 { return "--nproc must be at least 1" }
        if nnodes < 1 { return "--nnodes must be at least 1" }
        if !(0..<nnodes).contains(nodeRank) { return "--node-rank must be in 0..\(nnodes - 1)" }
        if nnodes > 1, masterPort == 0 { return "--nnodes above 1 needs --master-port, the same on every machine" }
        if !(0...65535).contains(masterPort) { return "--master-port must be 1–65535" }
        if fsdp, !isDistributed { return "--fsdp shards the model across processes: it needs --nproc or --nnodes above 1" }
        return nil
    }
}

public struct TrainingResult: Sendable, Decodable {
    public var steps: [TrainingStep]
    public var tokens: Int
    public var seconds: Double
    public var tokensPerSecond: Double
    public var saved: String?
}

/// Training settings (LoRA SFT by default; loss on completion tokens only).
public struct TrainingParameters: Sendable {
    public var mode = "lora"
    public var rank = 16
    public var alpha = 32
    public var dropout = 0.05
    public var learningRate = 2e-4
    public var steps: Int?
    public var epochs = 1
    public var batchTokens = 4096
    public var gradAccum = 1
    public var schedule = "cosine"
    public var maxGradNorm = 1.0
    public var seed = 0
    public var maxLength = 1024
    /// Linear warmup steps; nil lets the worker choose (10 % of the steps, at most 10).
    public var warmupSteps: Int?
    /// LoRA target module names; nil means every linear layer but the head.
    public var targetModules: [String]?
    /// Recompute activations in the backward pass: less memory, slower.
    public var gradientCheckpointing = false
    /// Several processes with torchrun; nil takes the engine's default (`Engine.distributed`).
    public var distributed: DistributedTraining?

    public init() {}

    /// The worker's `lora` argument.
    var loraArgument: JSONValue {
        .object([
            "r": .int(rank), "alpha": .int(alpha), "dropout": .double(dropout),
            "target_modules": targetModules.map { .array($0.map(JSONValue.string)) } ?? .string("auto"),
        ])
    }
}

/// What `load` reports.
public struct LoadedModel: Sendable, Decodable {
    public var parameters: Int
    public var trainableParameters: Int?
    public var device: String
    public var dtype: String
    public var vocabSize: Int
    public var hasChatTemplate: Bool
}

/// The model engine: typed calls over the worker. It remembers the loaded model and
/// loads it again into a worker that had to be restarted.
public actor Engine {
    public let worker: Worker
    private var loadArgs: [String: JSONValue]?
    /// torch threads; nil keeps torch's default (one per core).
    public let threads: Int?
    /// How `train` runs when its parameters do not say (`--nproc` of a whole RAFT run).
    public private(set) var distributed: DistributedTraining?
    /// Gradient checkpointing for every `train`, whatever its parameters say.
    public private(set) var gradientCheckpointing = false

    public func setDistributed(_ distributed: DistributedTraining?, gradientCheckpointing: Bool = false) {
        self.distributed = distributed
        self.gradientCheckpointing = gradientCheckpointing
    }

    public init(environment: PythonEnvironment, threads: Int? = nil) {
        worker = Worker(environment: environment)
        self.threads = threads
    }

    /// Prepares the Python environment (creating it on first use) and the engine.
    public static func make(threads: Int? = nil, log: @Sendable (String) -> Void = { _ in }) throws -> Engine {
        Engine(environment: try PythonEnvironment.prepare(log: log), threads: threads)
    }

    public func start() async throws -> Worker.Hello {
        let threads = threads
        await worker.setOnRestart { [weak self] worker in
            if let threads { _ = try await worker.request("set_threads", ["threads": .int(threads)]) }
            guard let args = await self?.loadArgs else { return }
            _ = try await worker.request("load", args)
        }
        try await worker.start()
        if let threads { _ = try await worker.request("set_threads", ["threads": .int(threads)]) }
        return await worker.hello!
    }

    public func health() async throws -> JSONValue {
        try await worker.request("health", timeout: 60)
    }

    @discardableResult
    public func load(model: String, adapter: String? = nil, dtype: String = "auto", device: String = "auto", threads: Int? = nil) async throws -> LoadedModel {
        var args: [String: JSONValue] = ["model": .string(model), "dtype": .string(dtype), "device": .string(device)]
        if let adapter { args["adapter"] = .string(adapter) }
        if let threads { args["threads"] = .int(threads) }
        let result = try await worker.request("load", args)
        loadArgs = args
        return try result.decode(LoadedModel.self)
    }

    public func generate(_ prompts: [(id: String, prompt: String)], _ p: SamplingParameters, progress: Worker.Progress? = nil) async throws -> GenerationResult {
        var args: [String: JSONValue] = [
            "prompts": .array(prompts.map { .object(["id": .string($0.id), "prompt": .string($0.prompt)]) }),
            "n": .int(p.n), "temperature": .double(p.temperature), "top_p": .double(p.topP),
            "max_new_tokens": .int(p.maxNewTokens), "stop": .array(p.stop.map(JSONValue.string)), "seed": .int(p.seed),
            "chat": p.chat == "auto" ? .string("auto") : .bool(p.chat == "true"),
        ]
        if let batchSize = p.batchSize { args["batch_size"] = .int(batchSize) }
        if p.tokenIds { args["token_ids"] = .bool(true) }
        return try await worker.request("generate", args, progress: progress).decode(GenerationResult.self)
    }

    public func train(_ examples: [(prompt: String, completion: String)], _ p: TrainingParameters, saveTo: String? = nil, progress: Worker.Progress? = nil) async throws -> TrainingResult {
        var args: [String: JSONValue] = [
            "examples": .array(examples.map { .object(["prompt": .string($0.prompt), "completion": .string($0.completion)]) }),
            "mode": .string(p.mode),
            "lora": p.loraArgument,
            "learning_rate": .double(p.learningRate), "epochs": .int(p.epochs), "batch_tokens": .int(p.batchTokens),
            "grad_accum": .int(p.gradAccum), "schedule": .string(p.schedule), "max_grad_norm": .double(p.maxGradNorm),
            "seed": .int(p.seed), "max_length": .int(p.maxLength),
        ]
        if let steps = p.steps { args["steps"] = .int(steps) }
        if let warmup = p.warmupSteps { args["warmup_steps"] = .int(warmup) }
        if let saveTo { args["save_to"] = .string(saveTo) }
        if p.gradientCheckpointing || gradientCheckpointing { args["gradient_checkpointing"] = .bool(true) }
        if let d = p.distributed ?? distributed, d.nproc * d.nnodes > 1 { args["distributed"] = d.argument }
        return try await worker.request("train", args, progress: progress).decode(TrainingResult.self)
    }

    /// Saves the adapter (or the full model after full fine-tuning), atomically.
    public func save(to path: String) async throws -> JSONValue {
        try await worker.request("save", ["path": .string(path)])
    }

    public func mergeExport(to path: String) async throws -> JSONValue {
        try await worker.request("merge_export", ["path": .string(path)])
    }

    /// Builds the tiny from-scratch model and its tokenizer into `path`.
    public func initTiny(at path: String, seed: Int = 0, pretrainSteps: Int = 0) async throws -> JSONValue {
        try await worker.request("init_tiny", ["path": .string(path), "seed": .int(seed), "pretrain_steps": .int(pretrainSteps)])
    }

    public func importGGUF(_ gguf: String, to output: String) async throws -> JSONValue {
        try await worker.request("import_gguf", ["gguf": .string(gguf), "output": .string(output)])
    }

    public func benchGenerate(_ prompts: [(id: String, prompt: String)], n: Int, maxNewTokens: Int) async throws -> JSONValue {
        try await worker.request("bench_generate", [
            "prompts": .array(prompts.map { .object(["id": .string($0.id), "prompt": .string($0.prompt)]) }),
            "n": .int(n), "max_new_tokens": .int(maxNewTokens),
        ])
    }

    public func benchTrain(_ examples: [(prompt: String, completion: String)], steps: Int) async throws -> JSONValue {
        try await worker.request("bench_train", [
            "examples": .array(examples.map { .object(["prompt": .string($0.prompt), "completion": .string($0.completion)]) }),
            "steps": .int(steps),
        ])
    }

    public func shutdown() async {
        await worker.stop()
    }
}
