import ArgumentParser
import Foundation
import HaloForgeCore
import HaloForgeData
import HaloForgeEngine

struct SFTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Supervised fine-tuning on prepared records or prompt/completion pairs.",
        subcommands: [Train.self])

    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fine-tune (LoRA by default) with a held-out loss, early stopping, checkpoints and --resume.",
            discussion: """
                --data is a file of prepared records (`halo-forge data prepare`; the train split's reference answers \
                become prompt → completion pairs), a file of prompt/completion records, or a built-in set's name. \
                A seeded --eval-fraction of the pairs is held out for the evaluation loss. OUTPUT/adapter holds the \
                weights with the lowest held-out loss (a PEFT adapter, or the model with --full): give it to \
                `raft train --adapter`. OUTPUT/checkpoint holds the latest checkpoint; OUTPUT/sft.json the run's record. \
                The model is loaded in bfloat16 where the device supports it (--dtype), prompts go through the \
                tokenizer's chat template when it has one (--chat).
                """)

        @OptionGroup var engineOptions: EngineOptions

        @Option(help: "Prepared records, prompt/completion JSONL, or a built-in set's name.")
        var data: String

        @Option(help: "Output folder (adapter/, checkpoint/, sft.json).")
        var output: String

        @Flag(help: "Full fine-tuning instead of LoRA.")
        var full = false

        @Flag(help: "Continue from OUTPUT/checkpoint.")
        var resume = false

        @Option(help: "Optimizer steps (default: --epochs passes).")
        var steps: Int?

        @Option(help: "Passes over the data when --steps is not given.")
        var epochs: Int = 1

        @Option(help: "Peak learning rate (warmup, then cosine decay).")
        var learningRate: Double = 2e-4

        @Option(help: "LoRA rank (alpha is twice the rank).")
        var rank: Int = 16

        @Option(help: "Tokens per micro-batch (rows × longest row; length-grouped, dynamic padding).")
        var batchTokens: Int = 4096

        @Option(help: "Micro-batches per optimizer step.")
        var gradAccum: Int = 1

        @Option(help: "Longest example in tokens (the prompt's start is cut first).")
        var maxLength: Int = 1024

        @Option(help: "Fraction of the pairs held out for the evaluation loss (0–1).")
        var evalFraction: Double = 0.1

        @Option(help: "Optimizer steps between evaluations.")
        var evalEvery: Int = 50

        @Option(help: "Evaluations without improvement before stopping early (0: never).")
        var patience: Int = 3

        @Option(help: "Optimizer steps between checkpoints.")
        var checkpointEvery: Int = 50

        @Option(help: "Weights dtype: auto (bfloat16 on a GPU that supports it, else float32), float32, bfloat16, float16.")
        var dtype: String = "auto"

        @Option(help: "Chat template: auto (when the tokenizer has one), true or false.")
        var chat: String = "auto"

        @Option(help: "Random seed (data order, evaluation slice, LoRA init).")
        var seed: Int = 0

        @Option(help: "Folder with the built-in dataset files (default: $HALO_FORGE_DATASETS, else the datasets that ship with halo-forge).")
        var datasets: String?

        var checkpoint: String { output + "/checkpoint" }

        func validate() throws {
            if !(evalFraction >= 0 && evalFraction < 1) { throw ValidationError("--eval-fraction must be at least 0 and below 1") }
            if evalEvery < 1 || checkpointEvery < 1 { throw ValidationError("--eval-every and --checkpoint-every must be at least 1") }
            if patience < 0 { throw ValidationError("--patience must be at least 0") }
            if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
            if !["auto", "true", "false"].contains(chat) { throw ValidationError("--chat must be auto, true or false") }
            let fm = FileManager.default
            if resume, !fm.fileExists(atPath: checkpoint + "/trainer_state.json") {
                throw ValidationError("--resume: \(checkpoint) holds no checkpoint")
            }
            if !resume, fm.fileExists(atPath: checkpoint + "/trainer_state.json") {
                throw ValidationError("\(output) holds a run: add --resume to continue it, or choose another --output")
            }
        }

        func run() async throws {
            let loaded: SFTData.Loaded
            do { loaded = try SFTData.load(data, datasets: datasets ?? Datasets.defaultFolder()) } catch { throw CommandError("\(error)") }
            let (train, eval) = SFTData.evaluationSlice(loaded.examples, fraction: evalFraction, seed: seed)
            guard !train.isEmpty else { throw CommandError("\(data): no training pairs (prepared records need a reference and split train)") }
            var left: [String] = []
            if loaded.heldOutLeftOut > 0 { left.append("\(loaded.heldOutLeftOut) held-out records") }
            if loaded.withoutReference > 0 { left.append("\(loaded.withoutReference) records without a reference") }
            Terminal.note("\(data): \(train.count) training pairs, \(eval.count) held out for evaluation" + (left.isEmpty ? "" : "; left out \(left.joined(separator: ", "))"))

            var p = SFTParameters()
            p.training.mode = full ? "full" : "lora"
            p.training.steps = steps
            p.training.epochs = epochs
            p.training.learningRate = learningRate
            p.training.rank = rank
            p.training.alpha = rank * 2
            p.training.batchTokens = batchTokens
            p.training.gradAccum = gradAccum
            p.training.maxLength = maxLength
            p.training.seed = seed
            p.evalEvery = evalEvery
            p.patience = patience
            p.checkpointEvery = checkpointEvery
            p.checkpointDir = checkpoint
            p.resume = resume
            p.bestTo = output + "/adapter"
            p.chat = chat
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            let options = engineOptions
            let dtype = dtype
            let (result, modelPath) = try await withEngine(threads: options.threads) { engine in
                let path = try await ModelCache.resolve(options.model, engine: engine) { Terminal.note($0) }
                let model = try await engine.load(model: path, adapter: options.adapter, dtype: dtype, device: options.device)
                Terminal.note("model: \(path) (\(model.parameters) parameters, \(model.dtype) on \(model.device)"
                    + (model.hasChatTemplate && chat != "false" ? ", chat template" : "") + ")")
                let pairs = { (e: [SFTData.Example]) in e.map { (prompt: $0.prompt, completion: $0.completion) } }
                return (try await engine.sft(pairs(train), heldOut: pairs(eval), p, progress: progressPrinter("sft")), path)
            }
            if Terminal.stderrIsTTY { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            try writeRecord(result, model: modelPath, trainCount: train.count, evalCount: eval.count)
            report(result)
        }

        func report(_ r: SFTResult) {
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
        func writeRecord(_ r: SFTResult, model: String, trainCount: Int, evalCount: Int) throws {
            let object: [String: JSONValue] = [
                "model": .string(model), "data": .string(data), "mode": .string(full ? "full" : "lora"),
                "train_examples": .int(trainCount), "eval_examples": .int(evalCount),
                "total_steps": .int(r.totalSteps), "resumed_from_step": .int(r.resumedFromStep), "stopped_early": .bool(r.stoppedEarly),
                "best_eval_loss": r.bestEvalLoss.map(JSONValue.double) ?? .null, "best_step": r.bestStep.map(JSONValue.int) ?? .null,
                "evals": .array(r.evals.map { .object(["step": .int($0.step), "loss": .double($0.loss), "improved": .bool($0.improved)]) }),
                "steps": .array(r.steps.map { .object(["step": .int($0.step), "loss": .double($0.loss), "lr": .double($0.lr), "tokens": .int($0.tokens)]) }),
                "tokens": .int(r.tokens), "seconds": .double(r.seconds), "tokens_per_second": .double(r.tokensPerSecond),
                "adapter": r.saved.map(JSONValue.string) ?? .null,
            ]
            try writeAtomically(JSONValue.object(object).serialized + "\n", to: output + "/sft.json")
        }
    }
}
