import ArgumentParser
import Foundation
import HaloForgeCore
import HaloForgeData
import HaloForgeEngine
import HaloForgeRAFT

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

        @Option(name: [.short, .long], help: "YAML settings: flat keys named like these flags (learning_rate, eval_every, …) or upstream sections (model:, data:, lora:, training:, hardware:). Flags given win.")
        var config: String?

        @Option(name: [.short, .long], help: "Model: a local folder, a Hugging Face id, or a cached name (tiny, smollm2); required unless --config names one.")
        var model: String?

        @Option(help: "A LoRA adapter folder (PEFT format) to continue from.")
        var adapter: String?

        @Option(help: "Prepared records, prompt/completion JSONL, or a built-in set's name.")
        var data: String?

        @Option(name: [.short, .long], help: "Output folder (adapter/, final_model → adapter, checkpoint/, sft.json).")
        var output: String?

        @Flag(help: "Full fine-tuning instead of LoRA.")
        var full = false

        @Flag(help: "Continue from OUTPUT/checkpoint.")
        var resume = false

        @Option(help: "Optimizer steps (default: --epochs passes).")
        var steps: Int?

        @Option(help: "Passes over the data when --steps is not given (default: 1).")
        var epochs: Int?

        @Option(help: "Peak learning rate, warmup then cosine decay (default: 2e-4).")
        var learningRate: Double?

        @Option(help: "LoRA rank (default: 16; alpha is twice the rank unless alpha is set in --config).")
        var rank: Int?

        @Option(help: "Tokens per micro-batch: rows × longest row; length-grouped, dynamic padding (default: 4096).")
        var batchTokens: Int?

        @Option(help: "Micro-batches per optimizer step (default: 1).")
        var gradAccum: Int?

        @Option(help: "Longest example in tokens; the prompt's start is cut first (default: 1024).")
        var maxLength: Int?

        @Option(help: "Fraction of the pairs held out for the evaluation loss, 0–1 (default: 0.1).")
        var evalFraction: Double?

        @Option(help: "Optimizer steps between evaluations (default: 50).")
        var evalEvery: Int?

        @Option(help: "Evaluations without improvement before stopping early, 0: never (default: 3).")
        var patience: Int?

        @Option(help: "Optimizer steps between checkpoints (default: 50).")
        var checkpointEvery: Int?

        @Option(help: "Weights dtype: auto (bfloat16 on a GPU that supports it, else float32), float32, bfloat16, float16.")
        var dtype: String?

        @Option(help: "Chat template: auto (when the tokenizer has one), true or false.")
        var chat: String?

        @Option(help: "Random seed: data order, evaluation slice, LoRA init (default: 0).")
        var seed: Int?

        @Option(help: "torch threads (default: torch's choice, one per core).")
        var threads: Int?

        @Option(help: "Device: auto, cpu, cuda or mps.")
        var device: String?

        @OptionGroup var distributedOptions: DistributedOptions

        @Option(help: "Folder with the built-in dataset files (default: $HALO_FORGE_DATASETS, else the datasets that ship with halo-forge).")
        var datasets: String?

        @OptionGroup var trackerOptions: TrackerOptions

        var flagOverrides: SFTOverrides {
            var o = SFTOverrides()
            o.model = model
            o.adapter = adapter
            o.data = data
            o.output = output
            if full { o.full = true }
            o.steps = steps
            o.epochs = epochs
            o.learningRate = learningRate
            o.rank = rank
            o.batchTokens = batchTokens
            o.gradAccum = gradAccum
            o.maxLength = maxLength
            o.evalFraction = evalFraction
            o.evalEvery = evalEvery
            o.patience = patience
            o.checkpointEvery = checkpointEvery
            o.dtype = dtype
            o.chat = chat
            o.seed = seed
            o.threads = threads
            o.device = device
            o.reportTo = trackerOptions.overrides
            return o
        }

        /// defaults < --config < flags, validated.
        func settings() throws -> SFTConfiguration {
            do {
                var file = SFTOverrides()
                if let config { file = try SFTOverrides.parse(yaml: try readText(config), file: config) }
                let settings = SFTConfiguration().applying(file).applying(flagOverrides)
                try settings.validate(source: config ?? "--flags")
                return settings
            } catch let error as ConfigurationError {
                throw CommandError("\(error)")
            }
        }

        func run() async throws {
            let s = try settings()
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
            do { loaded = try SFTData.load(data, datasets: datasets ?? Datasets.defaultFolder()) } catch { throw CommandError("\(error)") }
            let (train, eval) = SFTData.evaluationSlice(loaded.examples, fraction: s.evalFraction, seed: s.seed)
            guard !train.isEmpty else { throw CommandError("\(data): no training pairs (prepared records need a reference and split train)") }
            var left: [String] = []
            if loaded.heldOutLeftOut > 0 { left.append("\(loaded.heldOutLeftOut) held-out records") }
            if loaded.withoutReference > 0 { left.append("\(loaded.withoutReference) records without a reference") }
            Terminal.note("\(data): \(train.count) training pairs, \(eval.count) held out for evaluation" + (left.isEmpty ? "" : "; left out \(left.joined(separator: ", "))"))

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
            p.checkpointDir = checkpoint
            p.resume = resume
            p.bestTo = output + "/adapter"
            p.chat = s.chat
            try fm.createDirectory(atPath: output, withIntermediateDirectories: true)
            let (result, modelPath) = try await withTrackers(trackerOptions.trackers(settings: s.reportTo), runFolder: output, settings: s.hyperparameters) { metrics in
                try await withEngine(threads: s.threads) { engine in
                    await engine.setDistributed(distributedOptions.distributed, gradientCheckpointing: distributedOptions.gradientCheckpointing)
                    let path = try await ModelCache.resolve(s.model, engine: engine) { Terminal.note($0) }
                    let model = try await engine.load(model: path, adapter: s.adapter, dtype: s.dtype, device: s.device)
                    Terminal.note("model: \(path) (\(model.parameters) parameters, \(model.dtype) on \(model.device)"
                        + (model.hasChatTemplate && s.chat != "false" ? ", chat template" : "") + ")")
                    let pairs = { (e: [SFTData.Example]) in e.map { (prompt: $0.prompt, completion: $0.completion) } }
                    return (try await engine.sft(pairs(train), heldOut: pairs(eval), p, progress: sftProgress(metrics)), path)
                }
            }
            if Terminal.stderrIsTTY { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            try writeRecord(result, settings: s, model: modelPath, trainCount: train.count, evalCount: eval.count)
            // upstream's layout: `raft train --checkpoint OUTPUT/final_model` finds the adapter and its base model.
            let finalModel = output + "/final_model"
            if result.saved != nil, (try? fm.destinationOfSymbolicLink(atPath: finalModel)) == nil, !fm.fileExists(atPath: finalModel) {
                try fm.createSymbolicLink(atPath: finalModel, withDestinationPath: "adapter")
            }
            report(result)
        }

        /// The progress line, and each step and held-out loss as the worker reports it to the trackers.
        func sftProgress(_ metrics: any MetricsSink) -> Worker.Progress {
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
        func writeRecord(_ r: SFTResult, settings s: SFTConfiguration, model: String, trainCount: Int, evalCount: Int) throws {
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
}
