internal import Foundation

/// The proof a harness gives that it, not the candidate, reached the end of the
/// tests: a per-run random token that the candidate never sees, written with the
/// counts on a report channel that is neither stdout nor stderr.
struct Evidence {
    /// The token for this run, and a random fd number for the report channel.
    let token: String
    let reportFD: Int32
    /// A random suffix for the harness's own identifiers, so candidate code written
    /// in advance cannot name them.
    let names: String

    init() {
        token = Evidence.randomHex(32)
        reportFD = Int32.random(in: 100...999)
        names = Evidence.randomHex(10)
    }

    static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits[Int(generator.next() % 16)] })
    }

    /// What a report says.
    struct Report {
        var warnings: [String] = []
        var compiled = false
        var syntaxError: String?
        var importError: String?
        var imported = false
        var failures: [String] = []
        var internalError: String?
        /// How the candidate's own process ended during the tests (`signal 11`, `exit 0`).
        var candidateEnded: String?
        /// Counts from the harness's DONE line, only when it carried the right token.
        var done: (passed: Int, total: Int)?
        /// A DONE line with a wrong token: somebody forged it.
        var forged = false
    }

    func parse(_ text: String) -> Report {
        var report = Report()
        for line in text.split(separator: "\n") {
            let kind = line.prefix { $0 != " " }
            let rest = line.dropFirst(kind.count).drop { $0 == " " }
            switch kind {
            case "W": report.warnings.append(String(rest))
            case "C": report.compiled = true
            case "S": report.syntaxError = String(rest)
            case "X": report.importError = String(rest)
            case "I": report.imported = true
            case "A": report.failures.append(String(rest.drop { $0 != " " }.drop { $0 == " " }))
            case "E": report.internalError = String(rest)
            case "K": report.candidateEnded = String(rest)
            case "DONE":
                let parts = rest.split(separator: " ")
                if parts.count >= 3, parts[0] == token, let passed = Int(parts[1]), let total = Int(parts[2]), report.done == nil {
                    report.done = (passed, total)
                } else {
                    report.forged = true
                }
            default: break
            }
        }
        return report
    }
}
