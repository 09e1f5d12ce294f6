internal import Foundation
internal import HaloForgeCore
internal import HaloForgeSandbox

/// A language served by command templates: `{file}` is the source, `{output}` a
/// path the compile step may write. Exit 0 compiles (0.5), a line with "warning"
/// on its output lowers that to 0.3, any other exit is a compile error (0.0); I/O
/// cases and `--run` then run the run template (default `{output}`).
struct CustomVerifier {
    let language: CustomLanguage
    let configuration: VerifierConfiguration
    let jail: Jail

    func verify(_ sample: Sample, source: String, in scratch: Scratch) async -> Verdict {
        let fileName = "main." + language.fileExtension
        do {
            try scratch.write(fileName, source)
        } catch {
            return Verdict(reward: 0, outcome: .error, detail: "cannot write the source: \(error)")
        }
        var rung = CompileRung(seconds: 0, warnings: [])
        if let template = language.compile {
            let record = await jail.run(expand(template, scratch: scratch), in: scratch, limits: configuration.compileLimits)
            if record.status == .internalError {
                return Verdict(reward: 0, outcome: .error, ended: record, detail: record.summary)
            }
            let output = record.stderrText + record.stdoutText
            guard record.status == .ok else {
                let errors = output.split(separator: "\n").filter { $0.lowercased().contains("error") }.prefix(3)
                let detail = errors.isEmpty ? "compile command ended: \(record.summary)" : errors.map { Diagnostics.clean(String($0), scratch: scratch.hostPath) }.joined(separator: "; ")
                return Verdict(reward: 0, outcome: .syntaxError, compileSeconds: record.wallSeconds, ended: record, detail: detail)
            }
            let warnings = output.split(separator: "\n").filter { $0.lowercased().contains("warning") }.map { Diagnostics.clean(String($0), scratch: scratch.hostPath) }
            rung = CompileRung(seconds: record.wallSeconds, warnings: warnings)
        }
        let runArgv = expand(language.run ?? "{output}", scratch: scratch)
        if !sample.io.isEmpty {
            return await IOTests.run(sample.io, argv: runArgv, jail: jail, scratch: scratch, limits: configuration.runLimits, compile: rung)
        }
        guard configuration.runWithoutTests else { return rung.verdict }
        let record = await jail.run(runArgv, in: scratch, limits: configuration.runLimits)
        return Ladder.verdict(rung, .bare(record))
    }

    /// Splits a template into argv (shell-like quotes) and fills the placeholders.
    func expand(_ template: String, scratch: Scratch) -> [String] {
        CustomVerifier.split(template).map {
            $0.replacingOccurrences(of: "{file}", with: scratch.path + "/main." + language.fileExtension)
                .replacingOccurrences(of: "{output}", with: scratch.path + "/prog")
        }
    }

    static func split(_ command: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for ch in command {
            if let q = quote {
                if ch == q { quote = nil } else { current.append(ch) }
            } else if ch == "'" || ch == "\"" {
                quote = ch
                inWord = true
            } else if ch == " " || ch == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(ch)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
