import ArgumentParser
import HaloForgeData

extension DataCommand {
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a file of prepared records; print FILE:LINE: problem for each problem found.",
            discussion: """
                Checks each line: JSON, required fields and their types, a known language, a non-empty prompt, the split, \
                tests that parse (Python) or have a main() (C/C++), references that parse, duplicate ids. Exits 1 when a \
                problem remains. --fix repairs what cannot change a record's meaning — CRLF line endings, blank lines, \
                whitespace around a record, a language alias (py → python) or a missing language that the record or the \
                file name states, 'held-out' → 'held_out', exact duplicate records (dropped) — and rewrites the file \
                atomically.
                """)

        @Argument(help: "JSONL file of prepared records.") var file: String
        @Flag(help: "Fix what is safe to fix, in place (atomically).") var fix = false
        @Option(help: "Python interpreter that parses Python tests and references.") var python: String = "python3"

        func run() async throws {
            if try !RecordValidation.check(file: file, fix: fix, python: python) { throw ExitCode(1) }
        }
    }
}
