public import Foundation
public import HaloForgeCore
public import HaloForgeData
public import HaloForgeEngine
public import HaloForgeRAFT

/// `sft train`: the data loaded and split, the worker trained with a held-out loss, early
/// stopping and checkpoints, the best adapter kept, OUTPUT/sft.json written, a table printed.
public enum SFTRun {
    /// Runs (or with `resume`, continues) the fine-tuning `s` describes; `datasets` is the built-in sets' folder.
    public static func train(
        _ s: SFTConfiguration, resume: Bool, datasets: String, environment: RunEnvironment
    ) async throws {
        let output = s.output, data = s.data
        let checkpoint = output + "/checkpoint"
        let fm = FileManager.default
        if resume, !fm.fileExists(atPath: checkpoint + "/trainer_state.json") {
            throw CommandError("--resume: \(checkpoint) holds no checkpoint")
        }
        if !resume, fm.fileExists(atPath: checkpoint + "/trainer_state.json") {
            throw CommandError("\(output) holds a run: add --resume to continue it, or choose another --output")
        }
        let loaded: SFTData.Loaded
        do { loaded = try SFTData.load(data, datasets: datasets) } catch { throw CommandError("\(error)") }
        let (train, eval) = SFTData.evaluationSlice(loaded.examples, fraction: s.evalFraction, seed: s.seed)
        guard !train.isEmpty else { throw CommandError("\(data): no training pairs (prepared records need a reference and split train)") }
        var left: [String] = []
        if loaded.heldOutLeftOut > 0 { left.append("\(loaded.heldOutLeftOut) held-out records") }
        if loaded.withoutReference > 0 { left.append("\(loaded.withoutReference) records without a reference") }
        Terminal.note("\(data): \(train.count) training pairs, \(eval.count) held out for evaluation" + (left.isEmpty ? "" : "; left out \(left.joined(separator: ", "))"))

        let p = parameters(s, resume: resume)
        try fm.createDirectory(atPath: output, withIntermediateDirectories: true)
        let (result, modelPath) = try await withTrackers(environment.trackers, runFolder: output, settings: s.hyperparameters) { metrics in
            try await withEngine(threads: s.threads) { engine in
                await engine.setDistributed(environment.distributed, gradientCheckpointing: environment.gradientCheckpointing)
                let path = try await ModelCache.resolve(s.model, engine: engine) { Terminal.note($0) }
                let model = try await engine.load(model: path, adapter: s.adapter, dtype: s.dtype, device: s.device)
                Terminal.note("model: \(path) (\(model.parameters) parameters, \(model.dtype) on \(model.device)"
                    + (model.hasChatTemplate && s.chat != "false" ? ", chat template" : "") + ")")
                let pairs = { (e: [SFTData.Example]) in e.map { (prompt: $0.prompt, completion: $0.completion) } }
                return (try await engine.sft(pairs(train), heldOut: pairs(eval), p, progress: progress(metrics)), path)
            }
        }
        Terminal.clearLine()
        try writeRecord(result, settings: s, model: modelPath, trainCount: train.count, evalCount: eval.count)
        // upstream's layout: `raft train --checkpoint OUTPUT/final_model` finds the adapter and its base model.
        let finalModel = output + "/final_model"
        if result.saved != nil, (try? fm.destinationOfSymbolicLink(atPath: finalModel)) == nil, !fm.fileExists(atPath: finalModel) {
            try fm.createSymbolicLink(atPath: finalModel, withDestinationPath: "adapter")
        }
        report(result)
    }

    /// The worker's parameters for the settings `s`.
    static func parameters(_ s: SFTConfiguration, resume: Bool) -> SFTParameters {
        var p = SFTParameters()
        p.training.mode = s.full ? "full" : "lora"
        p.training.steps = s.steps
        p.training.epochs = s.epochs
        p.training.learningRate = s.learningRate
        p.training.rank = s.rank
        p.training.alpha = s.alpha ?? s.rank * 2
        p.training.dropout = s.dropout
        p.training.targetModules = s.targetModules
        p.training.batchTokens = s.batchTokens
        p.training.gradAccum = s.gradAccum
        p.training.warmupSteps = s.warmupSteps
        p.training.maxLength = s.maxLength
        p.training.seed = s.seed
        p.evalEvery = s.evalEvery
        p.patience = s.patience
        p.checkpointEvery = s.checkpointEvery
        p.checkpointDir = s.output + "/checkpoint"
        p.resume = resume
        p.bestTo = s.output + "/adapter"
        p.chat = s.chat
        return p
    }

    /// The progress line, and each step and held-out loss as the worker reports it to the trackers.
    static func progress(_ metrics: any MetricsSink) -> Worker.Progress {
        let printer = progressPrinter("sft")
        return { data in
            printer(data)
            guard let step = data["step"]?.intValue else { return }
            if let loss = data["eval_loss"]?.doubleValue {
                metrics.record(.eval, step: step, ["eval/loss": loss])
            } else if let loss = data["loss"]?.doubleValue {
                var values = ["train/loss": loss]
                for key in ["grad_norm", "lr", "tokens_per_second"] { values["train/" + key] = data[key]?.doubleValue }
                metrics.record(.step, step: step, values)
            }
        }
    }

    static func report(_ r: SFTResult) {
        print("step  train loss  eval loss")
        let trainLoss = Dictionary(r.steps.map { ($0.step, $0.loss) }, uniquingKeysWith: { a, _ in a })
        for e in r.evals {
            print(String(format: "%4d  %@  %.4f%@", e.step, trainLoss[e.step].map { String(format: "%-10.4f", $0) } ?? "-         ", e.loss, e.improved ? " *" : ""))
        }
        if let first = r.evals.first, let best = r.bestEvalLoss {
            print(String(format: "held-out loss %.4f → %.4f (best at step %d)%@", first.loss, best, r.bestStep ?? 0, r.stoppedEarly ? "; stopped early" : ""))
        }
        let done = r.steps.last?.step ?? 0
        print(String(format: "%d of %d steps%@; %d tokens in %.1f s (%.0f tokens/s)", done, r.totalSteps,
                     r.resumedFromStep > 0 ? " (resumed after step \(r.resumedFromStep))" : "", r.tokens, r.seconds, r.tokensPerSecond))
        print("adapter: \(r.saved ?? "none saved")")
    }

    /// OUTPUT/sft.json: the settings, the data counts and every step and evaluation.
    static func writeRecord(_ r: SFTResult, settings s: SFTConfiguration, model: String, trainCount: Int, evalCount: Int) throws {
        let object: [String: JSONValue] = [
            "model": .string(model), "data": .string(s.data), "mode": .string(s.full ? "full" : "lora"), "settings": .string(s.yaml),
            "train_examples": .int(trainCount), "eval_examples": .int(evalCount),
            "total_steps": .int(r.totalSteps), "resumed_from_step": .int(r.resumedFromStep), "stopped_early": .bool(r.stoppedEarly),
            "best_eval_loss": r.bestEvalLoss.map(JSONValue.double) ?? .null, "best_step": r.bestStep.map(JSONValue.int) ?? .null,
            "evals": .array(r.evals.map { .object(["step": .int($0.step), "loss": .double($0.loss), "improved": .bool($0.improved)]) }),
            "steps": .array(r.steps.map { .object(["step": .int($0.step), "loss": .double($0.loss), "lr": .double($0.lr), "tokens": .int($0.tokens)]) }),
            "tokens": .int(r.tokens), "seconds": .double(r.seconds), "tokens_per_second": .double(r.tokensPerSecond),
            "adapter": r.saved.map(JSONValue.string) ?? .null,
        ]
        try writeAtomically(JSONValue.object(object).serialized + "\n", to: s.output + "/sft.json")
    }
}
