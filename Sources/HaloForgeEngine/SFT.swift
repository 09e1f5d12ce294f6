internal import Foundation
internal import HaloForgeCore

/// Settings of a supervised fine-tuning run around the training step (worker op `sft`).
public struct SFTParameters: Sendable {
    public var training = TrainingParameters()
    /// Optimizer steps between held-out evaluations (and one after the last step).
    public var evalEvery = 50
    /// Evaluations without improvement before stopping; 0 never stops early.
    public var patience = 3
    public var minDelta = 0.0
    /// Folder of the latest checkpoint (weights, optimizer, step), replaced atomically.
    public var checkpointDir: String?
    public var checkpointEvery = 50
    /// Continue from `checkpointDir` when it holds a checkpoint.
    public var resume = false
    /// Where the weights with the lowest held-out loss go.
    public var bestTo: String?
    public var chat = "auto"

    public init() {}
}

public struct EvaluationPoint: Sendable, Decodable {
    public var step: Int
    public var loss: Double
    public var improved: Bool
}

public struct SFTResult: Sendable, Decodable {
    public var steps: [TrainingStep]
    public var evals: [EvaluationPoint]
    public var bestEvalLoss: Double?
    public var bestStep: Int?
    public var stoppedEarly: Bool
    public var resumedFromStep: Int
    public var totalSteps: Int
    /// Tokens, seconds and speed of this call (a resumed run counts only its own steps).
    public var tokens: Int
    public var seconds: Double
    public var tokensPerSecond: Double
    public var saved: String?
    public var checkpoint: String?
}

public struct EvaluationResult: Sendable, Decodable {
    public var loss: Double
    public var tokens: Int
    public var examples: Int
    public var seconds: Double
}

extension Engine {
    /// Fine-tunes on `examples`, evaluating on `heldOut`; see python/PROTOCOL.md (`sft`).
    public func sft(
        _ examples: [(prompt: String, completion: String)], heldOut: [(prompt: String, completion: String)], _ p: SFTParameters,
        progress: Worker.Progress? = nil
    ) async throws -> SFTResult {
        let t = p.training
        var args: [String: JSONValue] = [
            "examples": Self.pairs(examples), "mode": .string(t.mode),
            "lora": t.loraArgument,
            "learning_rate": .double(t.learningRate), "epochs": .int(t.epochs), "batch_tokens": .int(t.batchTokens),
            "grad_accum": .int(t.gradAccum), "schedule": .string(t.schedule), "max_grad_norm": .double(t.maxGradNorm),
            "seed": .int(t.seed), "max_length": .int(t.maxLength),
            "eval_every": .int(p.evalEvery), "patience": .int(p.patience), "min_delta": .double(p.minDelta),
            "checkpoint_every": .int(p.checkpointEvery), "resume": .bool(p.resume),
            "chat": p.chat == "auto" ? .string("auto") : .bool(p.chat == "true"),
        ]
        if !heldOut.isEmpty { args["eval_examples"] = Self.pairs(heldOut) }
        if let steps = t.steps { args["steps"] = .int(steps) }
        if let warmup = t.warmupSteps { args["warmup_steps"] = .int(warmup) }
        if let dir = p.checkpointDir { args["checkpoint_dir"] = .string(dir) }
        if let best = p.bestTo { args["best_to"] = .string(best) }
        if t.gradientCheckpointing || gradientCheckpointing { args["gradient_checkpointing"] = .bool(true) }
        if let d = t.distributed ?? distributed, d.nproc * d.nnodes > 1 { args["distributed"] = d.argument }
        return try await worker.request("sft", args, progress: progress).decode(SFTResult.self)
    }

    /// Mean loss per completion token of the loaded model on `examples`.
    public func evaluate(_ examples: [(prompt: String, completion: String)], chat: String = "auto", maxLength: Int = 1024) async throws -> EvaluationResult {
        try await worker.request("evaluate", [
            "examples": Self.pairs(examples), "max_length": .int(maxLength),
            "chat": chat == "auto" ? .string("auto") : .bool(chat == "true"),
        ]).decode(EvaluationResult.self)
    }

    static func pairs(_ examples: [(prompt: String, completion: String)]) -> JSONValue {
        .array(examples.map { .object(["prompt": .string($0.prompt), "completion": .string($0.completion)]) })
    }
}
