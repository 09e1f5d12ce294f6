public import Foundation
internal import HaloForgeCore
public import HaloForgeVerify

/// `halo-forge verify`: JSONL records in, one scored record out per sample, in input order.
public enum VerifyRun {
    /// Verifies `input` (a file, or - for stdin) into `output` (a file, or - for stdout); a
    /// malformed record stops the run after every record before it has been written.
    public static func run(input: String, output: String, verifier: Verifier, jobs: Int, quiet: Bool) async throws {
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
        let progress = VerifyProgress(total: total)
        let failure = await VerificationStream.run(JSONLines.lines(of: handle), verifier: verifier, jobs: jobs) { result in
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
