import ArgumentParser
import HaloForgeVerify

struct SelfTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Check this installation: toolchains, sandbox, verifiers, and (standard, full) the model engine and the RAFT loop.",
        discussion: """
            smoke: no model — toolchains, sandbox features, one good and one bad sample per verifier.
            standard: also the tiny model loads, generates and takes one training step.
            full: also a one-cycle RAFT run on the tiny model.
            """)

    @Option(name: [.short, .long], help: "How much to check: smoke (no model), standard (tiny model: load, generate, one training step), full (one RAFT cycle).") var level: SelfTest.Level = .smoke
    @OptionGroup var options: VerifierOptions

    func run() async throws {
        if try await !SelfTest.check(level: level, configuration: options.flags.configuration, jobs: options.jobs) { throw ExitCode.failure }
    }
}

extension SelfTest.Level: ExpressibleByArgument {}
