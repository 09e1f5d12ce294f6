import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HaloForgeCore
import HaloForgeEngine
import Testing

/// `halo-forge serve` with the tiny model, queried by the `openai` Python package, by
/// `halo-forge generate --generator` and by `halo-forge data generate`.
@Suite(.serialized) struct ServeTests {
    /// One server for the suite (the worker's environment and the tiny model are made on first use).
    static let serve: ServerProcess = {
        do {
            let server = try ServerProcess(binary, ["serve", "--model", "tiny", "--port", "0", "--threads", "2"])
            atexit { ServeTests.running?.stop() }
            running = server
            return server
        } catch {
            fatalError("\(error)")
        }
    }()

    nonisolated(unsafe) static var running: ServerProcess?

    static let python: String = {
        do { return try PythonEnvironment.prepare().python } catch { fatalError("no Python environment: \(error)") }
    }()

    @Test func theOpenAIClientGetsNCompletionsAndChats() async throws {
        let script = scratch + "/client.py"
        try """
            import json, sys
            import openai
            client = openai.OpenAI(base_url=sys.argv[1] + "/v1", api_key="unused")
            out = {"models": [m.id for m in client.models.list().data]}
            r = client.completions.create(model="tiny", prompt=["def add(a, b):", "int main(void) {"], n=3, max_tokens=8,
                                          temperature=0.8, top_p=0.95, stop=["\\n\\n"], seed=5)
            out["completions"] = [[c.index, c.text, c.finish_reason] for c in r.choices]
            out["usage"] = [r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens]
            again = client.completions.create(model="tiny", prompt=["def add(a, b):", "int main(void) {"], n=3, max_tokens=8,
                                              temperature=0.8, top_p=0.95, stop=["\\n\\n"], seed=5)
            out["same_seed_same_text"] = [c.text for c in again.choices] == [c.text for c in r.choices]
            c = client.chat.completions.create(model="tiny", n=2, max_tokens=6, seed=1,
                                               messages=[{"role": "system", "content": "You write C."}, {"role": "user", "content": "Add two ints."}])
            out["chat"] = [[x.index, x.message.role, x.message.content, x.finish_reason] for x in c.choices]
            try:
                client.completions.create(model="no-such-model", prompt="x")
                out["wrong_model"] = None
            except openai.NotFoundError as e:
                out["wrong_model"] = [e.status_code, e.body.get("message") if isinstance(e.body, dict) else str(e.body)]
            try:
                client.completions.create(model="tiny", prompt="x", n=0)
                out["bad_n"] = None
            except openai.BadRequestError as e:
                out["bad_n"] = e.status_code
            print(json.dumps(out))
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let run = try await runCommand(Self.python, [script, Self.serve.url], timeout: 300)
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        let out = try JSONValue.parse(Data(run.stdout.utf8))
        #expect(out["models"] == .array([.string("tiny")]))
        let completions = out["completions"]?.arrayValue ?? []
        #expect(completions.count == 6, "2 prompts × n=3")
        #expect(completions.compactMap { $0.arrayValue?.first?.intValue } == Array(0..<6))
        #expect(completions.allSatisfy { ["stop", "length"].contains($0.arrayValue?[2].stringValue ?? "") })
        let usage = out["usage"]?.arrayValue?.compactMap(\.intValue) ?? []
        #expect(usage.count == 3 && usage[0] > 0 && usage[1] > 0 && usage[2] == usage[0] + usage[1])
        #expect(out["same_seed_same_text"] == .bool(true))
        let chat = out["chat"]?.arrayValue ?? []
        #expect(chat.count == 2)
        #expect(chat.allSatisfy { $0.arrayValue?[1] == .string("assistant") })
        #expect(out["wrong_model"]?.arrayValue?.first == .int(404))
        #expect(out["bad_n"] == .int(400))
    }

    @Test func generateWithGeneratorSamplesThroughTheServer() async throws {
        let prompts = scratch + "/prompts.jsonl"
        try "{\"id\":\"a\",\"prompt\":\"def add(a, b):\"}\n{\"id\":\"b\",\"prompt\":\"int main(void) {\"}\n".write(toFile: prompts, atomically: true, encoding: .utf8)
        for api in ["completions", "chat"] {
            let run = try await runCommand(binary, [
                "generate", "--generator", Self.serve.url, "--generator-api", api, "--prompts", prompts, "--samples", "3", "--max-new-tokens", "8",
            ])
            #expect(run.status == 0, "\(run.stderr)")
            let records = try run.stdout.split(separator: "\n").map { try JSONValue.parse(Data($0.utf8)) }
            #expect(records.count == 6)
            #expect(records.map { $0["id"]?.stringValue ?? "" } == ["a", "a", "a", "b", "b", "b"])
            #expect(records.map { $0["sample"]?.intValue ?? -1 } == [0, 1, 2, 0, 1, 2])
            #expect(records.allSatisfy { ($0["completion_tokens"]?.intValue ?? 0) > 0 })
        }
        let bad = try await runCommand(binary, ["generate", "--generator", Self.serve.url, "--generator-model", "other", "--prompts", prompts])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("HTTP 404"), "\(bad.stderr)")
    }

    @Test func errorsComeInOpenAIsShape() async throws {
        func post(_ path: String, _ body: String) async throws -> (Int, JSONValue?) {
            var request = URLRequest(url: URL(string: Self.serve.url + path)!)
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as! HTTPURLResponse).statusCode, try? JSONValue.parse(data))
        }
        let cases: [(String, String, Int, String?)] = [
            ("/v1/completions", "{not json", 400, nil),
            ("/v1/completions", #"{"model":"tiny"}"#, 400, "prompt"),
            ("/v1/completions", #"{"prompt":"x","temperature":"hot"}"#, 400, "temperature"),
            ("/v1/completions", #"{"prompt":"x","stream":true}"#, 400, "stream"),
            ("/v1/chat/completions", #"{"messages":[]}"#, 400, "messages"),
            ("/v1/halo-forge/adapter", #"{"adapter":"/nonexistent"}"#, 400, "adapter"),
            ("/v1/nothing", "{}", 404, nil),
        ]
        for (path, body, status, param) in cases {
            let (code, json) = try await post(path, body)
            #expect(code == status, "\(path) \(body)")
            #expect(json?["error"]?["message"]?.stringValue?.isEmpty == false, "\(path) \(body)")
            if let param { #expect(json?["error"]?["param"] == .string(param), "\(path) \(body)") }
        }
    }

    @Test func dataGenerateAgainstServeKeepsOnlyVerifiedRecords() async throws {
        let output = scratch + "/served-tasks.jsonl"
        let run = try await runCommand(binary, [
            "data", "generate", "--topic", "string manipulation", "--generator", Self.serve.url, "--count", "3", "--max-tokens", "48",
            "--output", output, "--timeout", "5",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("asked 3, parsed "), "\(run.stderr)")
        // The tiny model writes noise: whatever it kept must verify at 1.0 on its own.
        let kept = try String(contentsOfFile: output, encoding: .utf8)
        if !kept.isEmpty {
            let check = try await runCommand(binary, ["verify", output, "--timeout", "5"])
            let rewards = check.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(Data($0.utf8))["reward"]?.doubleValue }
            #expect(rewards.allSatisfy { $0 == 1.0 })
        }
    }

    @Test func raftTrainsLocallyAndSamplesThroughTheServerWithEachNewAdapter() async throws {
        let folder = scratch + "/raft-run"
        let run = try await runCommand(binary, [
            "raft", "train", "--output", folder, "--model", "tiny", "--dataset", "humaneval", "--limit", "3", "--cycles", "2",
            "--samples-per-prompt", "2", "--max-new-tokens", "16", "--reward-threshold", "0", "--steps-per-cycle", "2", "--threads", "1",
            "--timeout", "5", "--generator", Self.serve.url, "--generator-reload",
        ])
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        let samples = try String(contentsOfFile: folder + "/samples.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(samples.count == 12, "2 cycles × 3 prompts × 2 samples")
        for cycle in 1...2 { #expect(Self.serve.log.contains("loaded adapter \(folder)/adapters/cycle-\(cycle)")) }
        // Back to the bare model for the other tests.
        var request = URLRequest(url: URL(string: Self.serve.url + "/v1/halo-forge/adapter")!)
        request.httpMethod = "POST"
        request.httpBody = Data(#"{"adapter":null}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
    }

    @Test func ctrlCStopsTheServerCleanly() async throws {
        let server = try ServerProcess(binary, ["serve", "--model", "tiny", "--port", "0", "--threads", "1"])
        let (data, _) = try await URLSession.shared.data(from: URL(string: server.url + "/v1/models")!)
        #expect(try JSONValue.parse(data)["data"]?.arrayValue?.count == 1)
        server.stop(signal: SIGINT)
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0, "\(server.log.suffix(1000))")
        #expect(server.log.contains("stopped"))
    }
}

/// The client against scripted servers: ignoring `n`, rejecting it, failing once.
@Suite struct OpenAIGeneratorTests {
    func generate(_ server: ServerProcess, n: Int = 3) async throws -> GenerationResult {
        let generator = try OpenAIGenerator(url: server.url, concurrency: 1, retries: 2)
        var p = SamplingParameters()
        p.n = n
        p.seed = 100
        return try await generator.generate(prompts: [(id: "a", prompt: "first"), (id: "b", prompt: "second")], parameters: p)
    }

    func check(_ result: GenerationResult) {
        #expect(result.samples.map(\.id) == ["a", "a", "a", "b", "b", "b"])
        #expect(result.samples.map(\.sample) == [0, 1, 2, 0, 1, 2])
        for id in ["a", "b"] {
            let texts = result.samples.filter { $0.id == id }.map(\.completion)
            #expect(Set(texts).count == 3, "each sample its own seed: \(texts)")
            #expect(texts.allSatisfy { $0.hasPrefix(id == "a" ? "first" : "second") })
        }
    }

    @Test func aServerThatIgnoresNGetsOneRequestPerMissingSample() async throws {
        let server = try fakeServer("ignore")
        defer { server.stop() }
        check(try await generate(server))
        let seen = try await stats(server)
        // Both prompts as a list (1 choice back), then prompt a: one request with n (1 choice
        // back) + 2 single ones; prompt b: 3 single ones.
        #expect(seen["requests"] == 7)
        #expect(seen["with_n"] == 2)
    }

    @Test func aServerThatRejectsNGetsSingleRequests() async throws {
        let server = try fakeServer("reject")
        defer { server.stop() }
        check(try await generate(server))
        let seen = try await stats(server)
        // The list with n, prompt a with n (both rejected), then 3 + 3 single ones.
        #expect(seen["rejected"] == 2)
        #expect(seen["requests"] == 8)
    }

    @Test func a503IsRetried() async throws {
        let server = try fakeServer("flaky")
        defer { server.stop() }
        let result = try await generate(server, n: 1)
        #expect(result.samples.count == 2)
        #expect(try await stats(server)["failed"] == 1)
    }

    @Test func aTimedOutRequestIsNotSentAgain() async throws {
        let server = try fakeServer("slow")
        defer { server.stop() }
        let generator = try OpenAIGenerator(url: server.url, model: "fake-model", concurrency: 1, retries: 3, requestTimeout: 1)
        var p = SamplingParameters()
        p.n = 1
        await #expect(throws: GeneratorError.self) { _ = try await generator.generate(prompts: [(id: "a", prompt: "x")], parameters: p) }
        try await Task.sleep(for: .seconds(3))
        #expect(try await stats(server)["requests"] == 1)
    }

    @Test func aClientErrorIsOneLineAndNotRetried() async throws {
        let server = try fakeServer("ignore")
        defer { server.stop() }
        let generator = try OpenAIGenerator(url: "http://127.0.0.1:1", retries: 1)
        await #expect(throws: GeneratorError.self) { _ = try await generator.modelName() }
        #expect(throws: GeneratorError.self) { _ = try OpenAIGenerator(url: "ftp://x") }
    }

    @Test func dataGenerateKeepsTheVerifiedTaskAndDropsTheOthers() async throws {
        let server = try fakeServer("tasks")
        defer { server.stop() }
        let output = scratch + "/scripted-tasks.jsonl"
        let rejected = scratch + "/scripted-rejected.jsonl"
        let run = try await runCommand(binary, [
            "data", "generate", "--topic", "arithmetic", "--generator", server.url, "--count", "3", "--output", output,
            "--rejected", rejected, "--timeout", "5",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("asked 3, parsed 2, verified 1"), "\(run.stderr)")
        let kept = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(Data($0.utf8)) }
        #expect(kept.count == 1)
        #expect(kept.first?["code"]?.stringValue?.contains("return a + b") == true)
        #expect(kept.first?["prompt"]?.stringValue?.contains("add(a, b)") == true)
        #expect(kept.first?["test"]?.stringValue?.contains("assert add(1, 2) == 3") == true)
        let log = try String(contentsOfFile: rejected, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(Data($0.utf8)) }
        #expect(log.map { $0["status"]?.stringValue?.prefix(6) ?? "" } == ["kept", "unveri", "unpars"])
        #expect(log[1]["reward"]?.doubleValue ?? 1 < 1.0)
    }
}
