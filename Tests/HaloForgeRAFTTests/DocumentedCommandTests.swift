import Foundation
import HaloForgeRAFT
import Testing

/// halo-forge's documented command lines, typed as users type them, through the built binary
/// in a fresh working folder. A local model folder (the tiny model) stands in for Hugging Face
/// ids, which cannot be downloaded here; extra flags only make the runs small.
@Suite(.serialized) struct DocumentedCommandTests {
    static let folder = FileManager.default.temporaryDirectory.path + "/hf-documented-\(getpid())"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// Flags that keep a RAFT run tiny; the documented line comes first.
    static let small = ["--samples-per-prompt", "2", "--max-new-tokens", "16", "--steps-per-cycle", "1"]

    var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("halo-forge").path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The last stderr line: where a failing command says why.
        var lastError: String { stderr.split(separator: "\n").last.map(String.init) ?? "" }
    }

    /// Runs `halo-forge ARGS` in `directory` (default: the suite's working folder).
    @discardableResult
    func halo(_ arguments: [String], in directory: String? = nil, environment extra: [String: String] = [:]) throws -> Result {
        let directory = directory ?? Self.folder
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let out = Self.folder + "/.stdout-\(UUID().uuidString)", err = Self.folder + "/.stderr-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: out); try? FileManager.default.removeItem(atPath: err) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: try String(contentsOfFile: out, encoding: .utf8),
            stderr: try String(contentsOfFile: err, encoding: .utf8))
    }

    func path(_ relative: String) -> String { Self.folder + "/" + relative }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    func lines(_ relative: String) throws -> [String] {
        try String(contentsOfFile: path(relative), encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// The settings a run folder stored.
    func storedSettings(_ run: String) throws -> RAFTConfiguration {
        let store = try RunStore(folder: path(run))
        let yaml = try #require(try store.setting("config"))
        return RAFTConfiguration().applying(try RAFTOverrides.parse(yaml: yaml, file: run))
    }

    /// The run folder a command printed ("run folder: X").
    func printedRunFolder(_ result: Result) throws -> String {
        let line = try #require(result.stderr.split(separator: "\n").first { $0.hasPrefix("run folder: ") }, "no run folder in:\n\(result.stderr)")
        return String(line.dropFirst("run folder: ".count))
    }

    // MARK: - What the documented lines need: a local model, the prepared data, an SFT checkpoint

    /// models/base: the tiny model, standing in for a Hugging Face model.
    func baseModel() throws -> String {
        if !exists("models/base/config.json") {
            let r = try halo(["model", "init", "--tiny", "models/base"])
            try #require(r.status == 0, "\(r.stderr)")
        }
        return "models/base"
    }

    /// data/train.jsonl (CodeForces C++, no tests) and data/prompts.jsonl (its first four prompts).
    func trainData() throws {
        if !exists("data/train.jsonl") {
            let r = try halo(["data", "prepare", "--dataset", "codeforces_cpp", "--output", "data/train.jsonl"])
            try #require(r.status == 0, "\(r.stderr)")
        }
        if !exists("data/prompts.jsonl") {
            try (try lines("data/train.jsonl").prefix(4).joined(separator: "\n") + "\n").write(toFile: path("data/prompts.jsonl"), atomically: true, encoding: .utf8)
        }
    }

    /// models/sft: `sft train --data data/train.jsonl --output models/sft` on the local model.
    func sftCheckpoint() throws {
        try trainData()
        if exists("models/sft/final_model/adapter_config.json") { return }
        let r = try halo([
            "sft", "train", "--data", "data/train.jsonl", "--output", "models/sft",
            "--model", try baseModel(), "--steps", "2", "--eval-every", "2", "--checkpoint-every", "2", "--max-length", "128",
            "--batch-tokens", "512", "--eval-fraction", "0.02",
        ])
        try #require(r.status == 0, "\(r.stderr)")
    }

    // MARK: - The documented lines

    @Test func selfTestLevels() throws {
        let smoke = try halo(["test", "--level", "smoke"])
        #expect(smoke.status == 0, "\(smoke.stdout)")
        #expect(smoke.stdout.contains("all checks passed"))
        let short = try halo(["test", "-l", "smoke"])
        #expect(short.status == 0, "\(short.stdout)")
        // A limit far below a cold start (pytest needed 2.01 s against 2.0 s on a fresh machine):
        // good samples past it are retried with a patient limit, the busy loop still stops at it.
        let squeezed = try halo(["test", "--level", "smoke", "--timeout", "0.02"])
        #expect(squeezed.status == 0, "\(squeezed.stdout)")
        #expect(squeezed.stdout.contains("passed with 30 s: a cold cache or a loaded machine"), "\(squeezed.stdout)")
        #expect(squeezed.stdout.contains("✓ sandbox: a busy loop is stopped"))
        let standard = try halo(["test", "--level", "standard"])
        #expect(standard.status == 0, "\(standard.stdout)")
        for name in ["model worker starts", "tiny model loads", "generate", "one training step"] {
            #expect(standard.stdout.contains("✓ \(name)"), "missing ✓ \(name) in:\n\(standard.stdout)")
        }
    }

    @Test func dataPrepareCodeforces() throws {
        try? FileManager.default.removeItem(atPath: path("data/train.jsonl"))
        let r = try halo(["data", "prepare", "--dataset", "codeforces_cpp", "--output", "data/train.jsonl"])
        #expect(r.status == 0, "\(r.stderr)")
        let records = try lines("data/train.jsonl").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(records.count == 500)
        #expect(records.allSatisfy { $0["language"] as? String == "cpp" && ($0["prompt"] as? String)?.isEmpty == false })
    }

    @Test func sftTrainWritesTheCheckpointRAFTStartsFrom() throws {
        try trainData()
        let output = "models/sft-doc"
        let r = try halo([
            "sft", "train", "--data", "data/train.jsonl", "--output", output,
            "--model", try baseModel(), "--steps", "2", "--eval-every", "2", "--max-length", "128", "--batch-tokens", "512", "--eval-fraction", "0.02",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(exists(output + "/final_model/adapter_config.json"), "final_model leads to the adapter")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(output + "/sft.json")))) as! [String: Any]
        #expect(record["total_steps"] as? Int == 2)
    }

    @Test func sftTrainWithAConfigFile() throws {
        try trainData()
        let config = """
            model:
              name: \(try baseModel())
            data:
              train_file: data/train.jsonl
              validation_split: 0.02
              max_seq_length: 128
            lora:
              r: 4
              alpha: 8
              target_modules: [q_proj, v_proj]
            training:
              output_dir: models/sft-config
              max_steps: 5
              learning_rate: 1e-3
              eval_steps: 2
            """
        try config.write(toFile: path("sft.yaml"), atomically: true, encoding: .utf8)
        // A flag given wins over the file: 2 steps, not 5.
        let r = try halo(["sft", "train", "--config", "sft.yaml", "--steps", "2", "--batch-tokens", "512"])
        #expect(r.status == 0, "\(r.stderr)")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("models/sft-config/sft.json")))) as! [String: Any]
        #expect(record["total_steps"] as? Int == 2)
        let settings = try #require(record["settings"] as? String)
        for line in ["rank: 4", "alpha: 8", "target_modules: [\"q_proj\", \"v_proj\"]", "learning_rate: 0.001", "eval_every: 2"] {
            #expect(settings.contains(line + "\n"), "\(line) in\n\(settings)")
        }
        let adapter = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("models/sft-config/adapter/adapter_config.json")))) as! [String: Any]
        #expect(adapter["r"] as? Int == 4)
        #expect(Set(adapter["target_modules"] as? [String] ?? []) == ["q_proj", "v_proj"])

        // An upstream key that means nothing here is named, with its line, before anything runs.
        try (config + "\n  dataloader_pin_memory: false\n").write(toFile: path("sft-bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try halo(["sft", "train", "--config", "sft-bad.yaml"])
        #expect(bad.status != 0)
        #expect(bad.lastError == "Error: sft-bad.yaml: line 16: unknown field 'training.dataloader_pin_memory': it has no meaning here (see `halo-forge config keys`)")
    }

    @Test func raftTrainFromTheSFTCheckpointWithGCC() throws {
        try sftCheckpoint()
        let r = try halo(["raft", "train", "--checkpoint", "models/sft/final_model", "--prompts", "data/prompts.jsonl", "--verifier", "gcc", "--cycles", "5"] + Self.small)
        #expect(r.status == 0, "\(r.stderr)")
        let run = try printedRunFolder(r)
        #expect(run.hasPrefix("runs/raft-"))
        let settings = try storedSettings(run)
        #expect(settings.adapter == "models/sft/final_model")
        #expect(settings.model == "models/base", "the checkpoint names its base model")
        #expect(settings.cycles == 5)
        let samples = try lines(run + "/samples.jsonl").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(samples.count == 5 * 4 * 2, "5 cycles × 4 prompts × 2 samples")
        #expect(samples.allSatisfy { $0["reward"] is Double })
        // No tests in CodeForces records: gcc judges no further than compiling.
        #expect(samples.allSatisfy { ($0["reward"] as? Double ?? 1) <= 0.5 })
    }

    @Test func raftTrainWithMinGW() throws {
        try trainData()
        let r = try halo(["raft", "train", "--prompts", "data/prompts.jsonl", "--verifier", "mingw", "--cycles", "6", "--model", try baseModel()] + Self.small)
        #expect(r.status == 0, "\(r.stderr)")
        let run = try printedRunFolder(r)
        #expect(try storedSettings(run).verifier == "mingw")
        let samples = try lines(run + "/samples.jsonl").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(samples.count == 6 * 4 * 2)
        #expect(samples.allSatisfy { $0["reward"] is Double })
    }

    @Test func raftTrainWithTheExampleConfig() throws {
        try sftCheckpoint()
        try FileManager.default.createDirectory(atPath: path("configs"), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: path("configs/raft_example.yaml"))
        try FileManager.default.copyItem(atPath: Self.repository + "/configs/raft_example.yaml", toPath: path("configs/raft_example.yaml"))
        let r = try halo(["raft", "train", "--config", "configs/raft_example.yaml", "--cycles", "3"] + Self.small)
        #expect(r.status == 0, "\(r.stderr)")
        // output_dir of the file is the run folder; flags given win over the file, the file over the defaults.
        let settings = try storedSettings("models/raft")
        #expect(settings.cycles == 3)
        #expect(settings.samplesPerPrompt == 2)
        #expect(settings.maxNewTokens == 16)
        #expect(settings.adapter == "models/sft/final_model")
        #expect(settings.prompts == path("data/prompts.jsonl"), "stored absolute")
        #expect(settings.verifier == "gcc")
        #expect(settings.keepFraction == 0.5)
        #expect(settings.learningRate == 5e-5)
        #expect(settings.learningRateDecay == 0.85)
        #expect(settings.gradAccum == 4)
        #expect(settings.warmupSteps == 10)
        #expect(settings.loraAlpha == 32)
        #expect(settings.generationBatchSize == 8)
        #expect(try lines("models/raft/samples.jsonl").count == 3 * 4 * 2)
    }

    @Test func benchmarkFullWithoutOutput() throws {
        // A local folder named like the Hugging Face id stands in for it.
        let model = "Qwen/Qwen2.5-Coder-0.5B"
        if !exists(model + "/config.json") {
            try FileManager.default.createDirectory(atPath: path("Qwen"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: path(try baseModel()), toPath: path(model))
        }
        let r = try halo(["benchmark", "full", "--model", model, "--cycles", "2", "--limit", "2", "--eval-samples", "1"] + Self.small)
        #expect(r.status == 0, "\(r.stderr)")
        let run = try printedRunFolder(r)
        #expect(run.hasPrefix("runs/benchmark-"))
        #expect(r.stdout.contains("report: \(run)/report.html"))
        #expect(exists(run + "/report.html") && exists(run + "/summary.json"))
        #expect(try storedSettings(run).cycles == 2)

        // The same line where the id is no folder: the Hugging Face path, offline here, fails in one line.
        let offline = try halo(["benchmark", "full", "--model", model, "--cycles", "2", "--limit", "1"], in: path("elsewhere"), environment: ["HF_HUB_OFFLINE": "1"])
        #expect(offline.status != 0)
        #expect(offline.lastError.hasPrefix("Error: "))
        #expect(offline.stderr.contains("\(model): no such folder here; loading it as a Hugging Face id"), "\(offline.stderr)")
        #expect(offline.lastError.contains("huggingface"), "\(offline.stderr)")
    }

    @Test func benchmarkFullLayersFlagsOverTheFile() throws {
        let config = "base_model: \(try baseModel())\nnum_cycles: 1\nraft:\n  samples_per_prompt: 2\ngeneration:\n  max_new_tokens: 24\n"
        try config.write(toFile: path("bench.yaml"), atomically: true, encoding: .utf8)
        let r = try halo(["benchmark", "full", "-c", "bench.yaml", "-o", "runs/bench-layered", "--max-new-tokens", "16", "--limit", "1", "--eval-samples", "1", "--steps-per-cycle", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let settings = try storedSettings("runs/bench-layered")
        #expect(settings.cycles == 1, "the file's cycles, not the flag's default of 2")
        #expect(settings.samplesPerPrompt == 2)
        #expect(settings.maxNewTokens == 16, "a flag given wins over the file")
        #expect(settings.model == "models/base")
    }

    @Test func benchmarkRunWithAModelAnAdapterAndAPromptFile() throws {
        try sftCheckpoint()
        if !exists("data/test.jsonl") {
            let prepared = try halo(["data", "prepare", "--dataset", "humaneval", "--split", "held-out", "--output", "data/test.jsonl"])
            try #require(prepared.status == 0, "\(prepared.stderr)")
        }
        let r = try halo([
            "benchmark", "run", "--model", try baseModel(), "--adapter", "models/sft/final_model", "--prompts", "data/test.jsonl",
            "--limit", "2", "--samples", "2", "--k", "1,2", "--max-new-tokens", "16",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("pass@1"), "\(r.stdout)")
    }

    @Test func shortFlags() throws {
        try trainData()
        try "num_cycles: 1\nraft:\n  reward_threshold: 0.3\n".write(toFile: path("short.yaml"), atomically: true, encoding: .utf8)
        let r = try halo(["raft", "train", "-m", try baseModel(), "-c", "short.yaml", "-o", "runs/short", "-p", "data/prompts.jsonl", "-v", "gcc"] + Self.small)
        #expect(r.status == 0, "\(r.stderr)")
        let settings = try storedSettings("runs/short")
        #expect(settings.model == "models/base")
        #expect(settings.cycles == 1)
        #expect(settings.rewardThreshold == 0.3)
        #expect(settings.prompts == path("data/prompts.jsonl"), "stored absolute")
        #expect(settings.verifier == "gcc")
    }

    @Test func versionAndInfo() throws {
        let version = try halo(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3, "\(version.stdout)")
        let info = try halo(["info"])
        #expect(info.status == 0, "\(info.stderr)")
        for part in ["halo-forge \(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines))", "cores", "toolchains:", "  C: ", "  C++: ", "  Python: ",
                     "  MinGW: ", "sandbox: ", "datasets: ", "worker:", "  python: "] {
            #expect(info.stdout.contains(part), "missing \(part) in:\n\(info.stdout)")
        }
        #expect(info.stdout.contains("device: ") || info.stdout.contains("not set up"), "\(info.stdout)")
        #expect(info.stdout.contains("torch") || info.stdout.contains("not set up"), "\(info.stdout)")
    }

    @Test func configValidate() throws {
        for name in ["raft_example.yaml", "raft_flat.yaml", "raft_windows.yaml", "sft_example.yaml"] {
            let r = try halo(["config", "validate", Self.repository + "/configs/" + name])
            #expect(r.status == 0, "\(name): \(r.stderr)")
            #expect(r.stdout.contains("valid"), "\(name): \(r.stdout)")
        }
        try "raft:\n  samples_per_prompt: 4\n  keep_top_precent: 0.5\n".write(toFile: path("typo.yaml"), atomically: true, encoding: .utf8)
        let typo = try halo(["config", "validate", "typo.yaml"])
        #expect(typo.status != 0)
        #expect(typo.lastError == "Error: typo.yaml: line 3: unknown field 'raft.keep_top_precent' (did you mean 'raft.keep_top_percent'?)")
        try "hardware:\n  gradient_checkpointing: true\n".write(toFile: path("meaningless.yaml"), atomically: true, encoding: .utf8)
        let meaningless = try halo(["config", "validate", "meaningless.yaml"])
        #expect(meaningless.status != 0)
        #expect(meaningless.lastError.hasPrefix("Error: meaningless.yaml: line 2: unknown field 'hardware.gradient_checkpointing'"))
        // An SFT-shaped file with a stray key: the error comes from reading it as SFT settings.
        try "model:\n  name: m\ntraining:\n  output_dir: o\n  save_total_limit: 3\n".write(toFile: path("sft-typo.yaml"), atomically: true, encoding: .utf8)
        let sftTypo = try halo(["config", "validate", "sft-typo.yaml"])
        #expect(sftTypo.status != 0)
        #expect(sftTypo.lastError.hasPrefix("Error: sft-typo.yaml: line 5: unknown field 'training.save_total_limit'"), "\(sftTypo.stderr)")
        try "generation:\n  temperature: -1\n".write(toFile: path("range.yaml"), atomically: true, encoding: .utf8)
        let range = try halo(["config", "validate", "range.yaml"])
        #expect(range.status != 0)
        #expect(range.lastError == "Error: range.yaml: field 'temperature' must be a finite number at least 0, got -1.0")
    }

    @Test func noSilentToyModelAndNoPoisonedRunFolder() throws {
        try trainData()
        for arguments in [["raft", "train", "-o", "runs/needs-model"], ["benchmark", "full", "-o", "runs/needs-model-bench"],
                          ["sft", "train", "--data", "data/train.jsonl", "--output", "models/needs-model"]] {
            let r = try halo(arguments)
            #expect(r.status != 0, "\(arguments)")
            #expect(r.lastError.contains("field 'model' is required: give --model"), "\(arguments): \(r.stderr)")
        }
        let unknown = try halo(["benchmark", "run", "--dataset", "humaneval"])
        #expect(unknown.status != 0)

        // Bad settings are refused before the run stores them: the same folder then runs.
        let bad = try halo(["raft", "train", "-o", "runs/reused", "-m", try baseModel(), "--dataset", "no-such-set", "--cycles", "1"] + Self.small)
        #expect(bad.status != 0)
        let good = try halo(["raft", "train", "-o", "runs/reused", "-m", try baseModel(), "-p", "data/prompts.jsonl", "--cycles", "1"] + Self.small)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(try storedSettings("runs/reused").prompts == path("data/prompts.jsonl"))
    }
}
