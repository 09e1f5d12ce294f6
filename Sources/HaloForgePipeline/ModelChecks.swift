internal import Foundation
internal import HaloForgeData
internal import HaloForgeEngine
internal import HaloForgeRAFT
internal import HaloForgeVerify

/// The model half of `halo-forge test`: the worker and the tiny model (standard), then one
/// RAFT cycle through the run store (full). A failed check skips the ones that need it.
struct ModelChecks {
    let level: SelfTest.Level
    let verifier: Verifier
    let jobs: Int

    func run(_ list: Checklist) async {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("halo-forge-test-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        guard let engine = await list.check("Python environment", { () -> (Engine, String) in
            let environment = try PythonEnvironment.prepare()
            return (Engine(environment: environment), "\(environment.python), worker in \(environment.workerDir)")
        }) else { return }
        await engineChecks(engine, list, scratch: scratch)
        await engine.shutdown()
    }

    private func engineChecks(_ engine: Engine, _ list: Checklist, scratch: String) async {
        guard await list.check("model worker starts", { () -> (Bool, String) in
            let hello = try await engine.start()
            let versions = ["torch", "transformers", "peft"].compactMap { name in hello.versions[name].map { "\(name) \($0)" } }
            return (true, "protocol \(hello.protocolVersion), \(hello.device), \(hello.threads) threads, " + versions.joined(separator: ", "))
        }) != nil else { return }
        guard let model = await list.check("tiny model loads", { () -> (String, String) in
            let path = try await ModelCache.resolve("tiny", engine: engine)
            let loaded = try await engine.load(model: path)
            return (path, "\(loaded.parameters) parameters, \(loaded.dtype) on \(loaded.device)")
        }) else { return }

        let prompts = BuiltinTasks.train().prefix(2).map { (id: $0.id, prompt: $0.prompt) }
        _ = await list.check("generate", { () -> (Bool, String) in
            var p = SamplingParameters()
            p.n = 2
            p.maxNewTokens = 24
            let result = try await engine.generate(prompts, p)
            let expected = prompts.count * p.n
            guard result.samples.count == expected else { throw CommandError("expected \(expected) samples, got \(result.samples.count)") }
            guard result.tokens > 0 else { throw CommandError("no tokens generated") }
            return (true, String(format: "%d samples, %d tokens, %.0f tokens/s", result.samples.count, result.tokens, result.tokensPerSecond))
        })
        _ = await list.check("one training step", { () -> (Bool, String) in
            var p = TrainingParameters()
            p.steps = 1
            p.learningRate = 1e-3
            let adapter = scratch + "/adapter"
            let result = try await engine.train(Array(try SFTCorpus.pairs().prefix(4)), p, saveTo: adapter)
            guard let step = result.steps.first, step.loss.isFinite, step.loss > 0 else { throw CommandError("no finite loss from the training step") }
            guard FileManager.default.fileExists(atPath: adapter + "/adapter_config.json") else { throw CommandError("the adapter was not saved to \(adapter)") }
            return (true, String(format: "loss %.3f, %.0f tokens/s, LoRA adapter saved", step.loss, result.tokensPerSecond))
        })
        guard level >= .full else { return }

        _ = await list.check("one RAFT cycle", { () -> (Bool, String) in
            var raft = RAFTConfiguration()
            raft.model = model
            raft.cycles = 1
            raft.samplesPerPrompt = 2
            raft.maxNewTokens = 48
            raft.rewardThreshold = 0.3
            raft.minKept = 4
            raft.stepsPerCycle = 2
            raft.learningRate = 1e-3
            raft.batchTokens = 1024
            let tasks = Array(BuiltinTasks.train().prefix(6))
            let store = try RunStore(folder: scratch + "/run")
            try store.setSetting("config", raft.yaml)
            let loop = RAFTLoop(configuration: raft, store: store, engine: engine, verifier: verifier, tasks: tasks, jobs: jobs) { _ in }
            let cycles = try await loop.run()
            guard let cycle = cycles.first, cycle.phase == .done else { throw CommandError("the cycle did not finish") }
            let expected = tasks.count * raft.samplesPerPrompt
            let counts = try store.sampleCounts(cycle: 0)
            guard counts.total == expected else { throw CommandError("the run holds \(counts.total) samples, expected \(expected)") }
            let verified = try store.samples(cycle: 0).filter { $0.reward != nil }.count
            guard verified == expected else { throw CommandError("\(verified) of \(expected) samples verified") }
            let kept = cycle.metrics["kept"]?.intValue ?? 0
            let training = cycle.adapter != nil ? "LoRA trained on them" : "nothing above reward 0 to train on (expected of the untrained tiny model)"
            return (true, "\(counts.total) samples generated and verified, \(kept) kept, \(training)")
        })
    }
}
