import ArgumentParser

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify JSONL samples in the sandbox and write one scored record per sample.",
        discussion: """
            Input records: id, language (c, cpp, python, or a --custom one), code or completion
            (+ optional prompt), optional test (+ entry_point, test_framework) and io cases.
            Output: the record with reward, outcome, tests_passed, tests_total, compile_seconds,
            run_seconds, run_end and detail added; unknown fields pass through. Exit 0 when every
            record was verified, whatever the rewards; a malformed record stops the run with a
            line-numbered error after every record before it has been written.
            """)

    @Argument(help: "Input JSONL file, or - for standard input.") var input: String = "-"
    @Option(name: [.short, .long], help: "Output JSONL file, or - for standard output.") var output: String = "-"
    @Flag(help: "Print no summary table.") var quiet = false
    @OptionGroup var options: VerifierOptions

    func run() async throws {
        try await VerifyRun.run(input: input, output: output, verifier: try options.makeVerifier(quiet: quiet), jobs: options.jobs, quiet: quiet)
    }
}
