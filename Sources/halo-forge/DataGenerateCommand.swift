import ArgumentParser
import HaloForgeCore
import HaloForgeData

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

    @Option(help: "What the tasks are about, e.g. \"string manipulation\".") var topic: String
    @Option(help: "The OpenAI-compatible server (http://HOST:PORT, with or without /v1); its chat endpoint is used.") var generator: String
    @Option(help: "Model name to send (default: the first listed by the server's /v1/models).") var generatorModel: String?
    @Option(help: "Tasks to ask for.") var count: Int = 10
    @Option(help: "Language of the tasks: python, c or cpp.") var language: String = "python"
    @Option(help: "Sampling temperature.") var temperature: Double = 0.8
    @Option(help: "Most new tokens per reply.") var maxTokens: Int = 1024
    @Option(help: "Random seed (request i uses seed + i).") var seed: Int = 0
    @Option(help: "Requests in flight at once.") var concurrency: Int = 4
    @Option(name: [.short, .long], help: "Output JSONL of verified records, or - for standard output.") var output: String = "-"
    @Option(help: "Also write every reply with why it was dropped or kept (JSONL).") var rejected: String?
    @OptionGroup var options: VerifierOptions

    var generation: TaskGeneration { TaskGeneration(topic: topic, language: Language(name: language), count: count, seed: seed, concurrency: concurrency) }

    func validate() throws {
        if let problem = generation.problem { throw ValidationError(problem) }
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
    }

    func run() async throws {
        let report = try await generation.run(
            server: generator, model: generatorModel, temperature: temperature, maxTokens: maxTokens,
            verifier: try options.makeVerifier(quiet: true), jobs: options.jobs)
        try writeAtomically(report.keptJSONL, to: output)
        if let rejected { try writeAtomically(report.repliesJSONL, to: rejected) }
        Terminal.note("asked \(count), parsed \(report.parsed), verified \(report.kept.count)")
    }
}
