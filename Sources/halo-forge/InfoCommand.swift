import ArgumentParser

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show this installation: versions, devices, toolchains, sandbox mode, worker environment, datasets.",
        discussion: """
            Starts the model worker (a few seconds) to report torch's version and device when its
            environment is set up; --no-worker skips that. Nothing is installed or downloaded.
            """)

    @Flag(help: "Do not start the model worker (no torch versions or device).") var noWorker = false
    @OptionGroup var options: VerifierOptions

    func run() async throws {
        await Installation.report(version: HaloForge.version, startWorker: !noWorker) { try options.makeVerifier(quiet: true) }
    }
}
