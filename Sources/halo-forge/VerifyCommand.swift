import ArgumentParser
import Foundation
import HaloForgeCore
import HaloForgeVerify

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

    @Argument(help: "Input JSONL file, or - for standard input.")
    var input: String = "-"

    @Option(name: [.short, .long], help: "Output JSONL file, or - for standard output.")
    var output: String = "-"

    @Flag(help: "Print no summary table.")
    var quiet = false

    @OptionGroup var options: VerifierOptions

    func run() async throws {
        let handle: FileHandle
        var total: Int?
        if input == "-" {
            handle = .standardInput
        } else {
            guard let h = FileHandle(forReadingAtPath: input) else { throw CommandError("cannot read \(input)") }
            handle = h
            total = (try? Data(contentsOf: URL(fileURLWithPath: input))).map { JSONLines.lines(in: $0).count }
        }
        let sink: FileHandle
        if output == "-" {
            sink = .standardOutput
        } else {
            guard FileManager.default.createFile(atPath: output, contents: nil), let h = FileHandle(forWritingAtPath: output) else {
                throw CommandError("cannot write \(output)")
            }
            sink = h
        }
        let verifier = try options.makeVerifier(quiet: quiet)
        let progress = VerifyProgress(total: total)
        let failure = await VerificationStream.run(JSONLines.lines(of: handle), verifier: verifier, jobs: options.jobs) { result in
            sink.write(Data((result.jsonLine + "\n").utf8))
            progress.record(result.verdict)
        }
        try? sink.synchronize()
        if !quiet { Terminal.note(progress.summary()) }
        if let failure {
            throw CommandError("\(input == "-" ? "stdin" : input): \(failure) (\(progress.done) record(s) before it were verified and written)")
        }
    }
}
