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
        let verifier: Verifier
        do { verifier = try options.makeVerifier(quiet: true) } catch {
            print("✗ sandbox — \(error)")
            throw ExitCode.failure
        }
        let failures = try await SelfTest.run(level: level, verifier: verifier, configuration: options.configuration, jobs: options.jobs)
        print(failures == 0 ? "all checks passed" : "\(failures) check(s) failed: see the → lines; `halo-forge info` shows the toolchains, sandbox and worker")
        if failures > 0 { throw ExitCode.failure }
    }
}

extension SelfTest.Level: ExpressibleByArgument {}
