import ArgumentParser
import Foundation
import HaloForgeCore
import HaloForgeData
import HaloForgeEngine
import HaloForgeVerify

/// `halo-forge data generate`: tasks written by a chat model, kept only when verified.
struct DataGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write tasks with a chat model (task, tests and solution in one reply) and keep those whose solution passes its tests.",
        discussion: """
            Each request asks an OpenAI-compatible chat server for one JSON object {task, tests,
            solution}. A reply is kept only when its solution scores 1.0 against its own tests in
            the sandbox. Output: `verify` records (id, language, prompt, code, test or io, topic).
            """)

    @Option(help: "What the tasks are about, e.g. \"string manipulation\".")
    var topic: String

    @Option(help: "The OpenAI-compatible server (http://HOST:PORT, with or without /v1); its chat endpoint is used.")
    var generator: String

    @Option(help: "Model name to send (default: the first listed by the server's /v1/models).")
    var generatorModel: String?

    @Option(help: "Tasks to ask for.")
    var count: Int = 10

    @Option(help: "Language of the tasks: python, c or cpp.")
    var language: String = "python"

    @Option(help: "Sampling temperature.")
    var temperature: Double = 0.8

    @Option(help: "Most new tokens per reply.")
    var maxTokens: Int = 1024

    @Option(help: "Random seed (request i uses seed + i).")
    var seed: Int = 0

    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 4

    @Option(name: [.short, .long], help: "Output JSONL of verified records, or - for standard output.")
    var output: String = "-"

    @Option(help: "Also write every reply with why it was dropped or kept (JSONL).")
    var rejected: String?

    @OptionGroup var options: VerifierOptions

    var parsedLanguage: Language { Language(name: language) }

    func validate() throws {
        if count < 1 { throw ValidationError("--count must be at least 1") }
        if ![Language.python, .c, .cpp].contains(parsedLanguage) { throw ValidationError("--language: python, c or cpp") }
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        if concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        let language = parsedLanguage
        let client: OpenAIGenerator
        do {
            client = try OpenAIGenerator(url: generator, model: generatorModel, api: .chat, concurrency: concurrency) { Terminal.note($0) }
        } catch { throw CommandError("\(error)") }
        var p = SamplingParameters()
        p.n = 1
        p.temperature = temperature
        p.maxNewTokens = maxTokens
        let slug = topic.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.reduce(into: "") { $0.append($1) }
        // One request per task, each with its own seed, so that the tasks differ.
        let replies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var replies = [String](repeating: "", count: count)
            var next = 0
            func add() {
                guard next < count else { return }
                let i = next
                next += 1
                var q = p
                q.seed = seed + i
                let prompt = TaskSynthesis.prompt(topic: topic, language: language, index: i)
                group.addTask {
                    do {
                        let result = try await client.generate(prompts: [(id: String(i), prompt: prompt)], parameters: q)
                        return (i, result.samples.first?.completion ?? "")
                    } catch { throw CommandError("\(error)") }
                }
            }
            for _ in 0..<concurrency { add() }
            while let (i, text) = try await group.next() {
                replies[i] = text
                add()
            }
            return replies
        }
        let verifier = try options.makeVerifier(quiet: true)
        var parsed: [(Int, Sample)] = []
        var log: [Int: (reason: String, reward: Double?)] = [:]
        for (i, reply) in replies.enumerated() {
            do {
                let task = try TaskSynthesis.parse(reply, language: language)
                parsed.append((i, task.sample(id: "gen-\(slug)-\(seed + i)", language: language, topic: topic)))
            } catch {
                log[i] = ("unparsed: \(error)", nil)
            }
        }
        let verdicts = await withTaskGroup(of: (Int, Verdict).self) { group in
            var iterator = parsed.makeIterator()
            for _ in 0..<max(1, options.jobs) {
                guard let (i, sample) = iterator.next() else { break }
                group.addTask { (i, await verifier.verify(sample)) }
            }
            var all: [Int: Verdict] = [:]
            while let (i, verdict) = await group.next() {
                all[i] = verdict
                if let (j, sample) = iterator.next() { group.addTask { (j, await verifier.verify(sample)) } }
            }
            return all
        }
        var text = ""
        var kept = 0
        for (i, sample) in parsed {
            guard let verdict = verdicts[i] else { continue }
            // Only a solution that passes every one of its own tests makes a record.
            if verdict.reward >= Reward.passed {
                kept += 1
                text += sample.record.sorted { $0.key < $1.key }.reduce(into: "") { line, field in
                    line += line.isEmpty ? "{" : ","
                    JSONValue.writeString(field.key, to: &line)
                    line += ":" + field.value.serialized
                } + "}\n"
                log[i] = ("kept", verdict.reward)
            } else {
                log[i] = ("unverified: \(verdict.outcome.rawValue)" + (verdict.detail.isEmpty ? "" : ": " + String(verdict.detail.prefix(200))), verdict.reward)
            }
        }
        if output == "-" { FileHandle.standardOutput.write(Data(text.utf8)) } else {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: output)) } catch { throw CommandError("cannot write \(output): \(error.localizedDescription)") }
        }
        if let rejected {
            var lines = ""
            for (i, reply) in replies.enumerated() {
                let entry = log[i] ?? ("unverified", nil)
                JSONValue.writeObject([
                    ("index", .int(i)), ("status", .string(entry.reason)), ("reward", entry.reward.map(JSONValue.double) ?? .null), ("reply", .string(reply)),
                ], to: &lines)
                lines += "\n"
            }
            do { try Data(lines.utf8).write(to: URL(fileURLWithPath: rejected)) } catch { throw CommandError("cannot write \(rejected): \(error.localizedDescription)") }
        }
        Terminal.note("asked \(count), parsed \(parsed.count), verified \(kept)")
    }
}
