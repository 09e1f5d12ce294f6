import Foundation
import HaloForgeCore
@testable import HaloForgeEngine
import Testing

/// The real worker with the tiny model it builds itself: generate, train, save, reload.
@Suite(.serialized) struct EngineTests {
    /// One engine and one tiny model for the suite (the environment is created on first use),
    /// made once by whichever test asks first; the others await the same task.
    static let setup = Task<(Engine, String), any Error> {
        let folder = FileManager.default.temporaryDirectory.path + "/hf-engine-tests-\(getpid())"
        let engine = try Engine.make(threads: 2)
        _ = try await engine.start()
        _ = try await engine.initTiny(at: folder + "/tiny", seed: 0)
        try await engine.load(model: folder + "/tiny")
        return (engine, folder)
    }

    static func shared() async throws -> (Engine, String) { try await setup.value }

    static let prompts: [(id: String, prompt: String)] = [
        (id: "a", prompt: "int add(int a, int b) {"),
        (id: "b", prompt: "def square(x):"),
        (id: "c", prompt: "#include <stdio.h>\nint main(void) {"),
        (id: "d", prompt: "// reverse a string\n"),
    ]

    @Test func generatesEightSamplesForFourPrompts() async throws {
        let (engine, _) = try await Self.shared()
        var p = SamplingParameters()
        p.n = 8
        p.maxNewTokens = 24
        p.chat = "false"
        let result = try await engine.generate(Self.prompts, p)
        #expect(result.samples.count == 32)
        #expect(Set(result.samples.map(\.id)) == ["a", "b", "c", "d"])
        #expect(result.samples.allSatisfy { $0.completionTokens > 0 && $0.completionTokens <= 24 && $0.promptTokens > 0 })
        #expect(result.tokensPerSecond > 0)
        let again = try await engine.generate(Self.prompts, p)
        #expect(again.samples.map(\.completion) == result.samples.map(\.completion), "same seed, same samples")
    }

    @Test func trainsSavesAndTheAdapterChangesGreedyOutput() async throws {
        let (engine, folder) = try await Self.shared()
        let adapter = folder + "/adapter"
        var p = TrainingParameters()
        p.steps = 20
        p.learningRate = 5e-3
        p.batchTokens = 512
        let examples = (0..<16).map { _ in (prompt: "int add(int a, int b) {", completion: " return a + b; } /* halo forge */\n") }
        let result = try await engine.train(examples, p, saveTo: adapter)
        #expect(result.steps.count == 20)
        #expect(result.steps.allSatisfy { $0.loss.isFinite && $0.lr > 0 })
        #expect(result.steps.last!.loss < result.steps.first!.loss)
        #expect(FileManager.default.fileExists(atPath: adapter + "/adapter_config.json"))

        // peft loads it in the project's environment, and greedy output moves.
        let env = try PythonEnvironment.prepare()
        let script = """
            import sys, torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
            from peft import PeftModel
            base_path, adapter = sys.argv[1], sys.argv[2]
            tok = AutoTokenizer.from_pretrained(base_path)
            ids = tok("int add(int a, int b) {", return_tensors="pt")
            base = AutoModelForCausalLM.from_pretrained(base_path)
            a = base.generate(**ids, max_new_tokens=12, do_sample=False)[0].tolist()
            tuned = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base_path), adapter)
            b = tuned.generate(**ids, max_new_tokens=12, do_sample=False)[0].tolist()
            print("DIFFER" if a != b else "SAME")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: env.python)
        process.arguments = ["-c", script, folder + "/tiny", adapter]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output.contains("DIFFER"), "\(output)")
    }

    /// `--nproc 2` as the CLI sends it: two torchrun processes (gloo) give the single-process
    /// losses on the same global batch, report peak memory, and leave the adapter loaded.
    @Test func twoTrainingProcessesMatchOne() async throws {
        let (engine, folder) = try await Self.shared()
        let examples = (0..<16).map { (prompt: "int f\($0)(int x) {", completion: " return x * \($0) + \($0 % 3); }") }
        var p = TrainingParameters()
        p.steps = 2
        p.learningRate = 1e-2
        p.dropout = 0
        p.gradAccum = 2
        p.batchTokens = 256
        try await engine.load(model: folder + "/tiny")
        let one = try await engine.train(examples, p, saveTo: folder + "/one")
        try await engine.load(model: folder + "/tiny")
        p.distributed = DistributedTraining(nproc: 2)
        let two = try await engine.train(examples, p, saveTo: folder + "/two")
        #expect(two.steps.count == 2 && two.saved == folder + "/two")
        for (a, b) in zip(one.steps, two.steps) {
            #expect(abs(a.loss - b.loss) <= 1e-4 * abs(a.loss), "step \(a.step): \(a.loss) vs \(b.loss)")
            #expect(a.tokens == b.tokens)
            #expect((b.peakMemoryMb ?? 0) > 0 && b.microBatchSplit == 1)
        }
        #expect(try await engine.health()["adapter"]?.stringValue == folder + "/two")
        try await engine.load(model: folder + "/tiny")
    }

    @Test func badRequestIsAnErrorAndTheWorkerKeepsServing() async throws {
        let (engine, _) = try await Self.shared()
        do {
            _ = try await engine.worker.request("no_such_op")
            Issue.record("an unknown op succeeded")
        } catch {
            #expect("\(error)".contains("no_such_op"))
        }
        let health = try await engine.health()
        #expect(health["model"]?.stringValue != nil)
    }

    @Test func killedMidRequestGivesAClearErrorAndTheNextRequestSucceeds() async throws {
        let (engine, _) = try await Self.shared()
        var p = SamplingParameters()
        p.n = 8
        p.maxNewTokens = 400
        p.chat = "false"
        let pid = try #require(await engine.worker.processID)
        Task.detached {
            try? await Task.sleep(for: .milliseconds(700))
            kill(pid, SIGKILL)
        }
        do {
            _ = try await engine.generate(Self.prompts, p)
            Issue.record("the request survived a killed worker")
        } catch {
            #expect("\(error)".contains("killed by signal 9"), "\(error)")
        }
        // A fresh worker starts, the model is loaded again, and the request succeeds.
        p.maxNewTokens = 8
        let result = try await engine.generate(Self.prompts, p)
        #expect(result.samples.count == 32)
        #expect(await engine.worker.processID != pid)
    }
}
