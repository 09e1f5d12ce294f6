internal import Foundation
internal import HaloForgeCore

/// Checks a file of prepared records line by line and, where a fix cannot change what a
/// record means, fixes it.
public enum RecordValidation {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        /// `--fix` repairs it without changing what the record means.
        public var fixable: Bool

        public var description: String { "line \(line): \(message)" }
    }

    public struct Report: Sendable {
        public var problems: [Problem]
        /// The file with every fixable problem fixed.
        public var fixedText: String
        /// Records (non-blank lines) read.
        public var records: Int
        /// Set when Python sources could not be parsed-checked (no python3).
        public var note: String?

        public var unfixable: [Problem] { problems.filter { !$0.fixable } }

        /// Problems left after `data validate` (with `--fix`: only those it cannot fix).
        public func remaining(fixing: Bool) -> Int { fixing ? unfixable.count : problems.count }

        /// `data validate`'s listing: FILE:LINE: problem, each fixable one tagged.
        public func listing(path: String, fixing: Bool) -> String {
            problems.map { problem in
                let tag = problem.fixable ? (fixing ? " (fixed)" : " (--fix fixes it)") : ""
                return "\(path):\(problem.line): \(problem.message)\(tag)\n"
            }.joined()
        }

        /// `data validate`'s last line: records, problems, and what was fixed and is left.
        public func summary(path: String, fixing: Bool) -> String {
            let left = remaining(fixing: fixing)
            return "\(path): \(records) records, \(problems.count) problems" + (fixing ? ", \(problems.count - unfixable.count) fixed" : "")
                + (left == 0 ? "" : ", \(left) left")
        }
    }

    /// Validates the JSONL text of `path`. `python` parses Python tests and references
    /// (nil skips that check).
    public static func validate(text: String, path: String, python: String? = "python3") -> Report {
        var problems: [Problem] = []
        var kept: [(line: Int, text: String)] = []
        var firstLineOf: [String: (line: Int, text: String)] = [:]
        var pythonSources: [(line: Int, field: String, source: String)] = []
        var records = 0
        var rawLines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)  // bytes, because "\r\n" is one Character
        }
        if rawLines.last == "" { rawLines.removeLast() }  // the newline that ends the file
        let inferred = languageFromName(path)

        for (index, raw) in rawLines.enumerated() {
            let line = index + 1
            var text = raw
            if text.hasSuffix("\r") {
                problems.append(Problem(line: line, message: "CRLF line ending", fixable: true))
                text.removeLast()
            }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                problems.append(Problem(line: line, message: "blank line", fixable: true))
                continue
            }
            if trimmed != text { problems.append(Problem(line: line, message: "whitespace around the record", fixable: true)) }
            records += 1
            guard let value = try? JSONValue.parse(Data(trimmed.utf8)) else {
                problems.append(Problem(line: line, message: "invalid JSON" + jsonErrorHint(trimmed), fixable: false))
                kept.append((line, trimmed))
                continue
            }
            guard var object = value.objectValue else {
                problems.append(Problem(line: line, message: "expected a JSON object", fixable: false))
                kept.append((line, trimmed))
                continue
            }
            var changed = false
            // language: missing (inferred when the record or the file name says it), or an alias
            if object["language"] == nil || object["language"] == .null {
                if let language = languageFromRecord(object) ?? inferred {
                    problems.append(Problem(line: line, message: "missing field 'language' (inferred: \(language))", fixable: true))
                    object["language"] = .string(language)
                    changed = true
                } else {
                    problems.append(Problem(line: line, message: "missing field 'language' (c, cpp or python)", fixable: false))
                }
            } else if let name = object["language"]?.stringValue {
                let canonical = Language(name: name).description
                if case .custom = Language(name: name) {
                    problems.append(Problem(line: line, message: "field 'language': unknown language '\(name)' (known: c, cpp, python)", fixable: false))
                } else if canonical != name {
                    problems.append(Problem(line: line, message: "field 'language': '\(name)' is spelled '\(canonical)'", fixable: true))
                    object["language"] = .string(canonical)
                    changed = true
                }
            }
            if let split = object["split"]?.stringValue, ["held-out", "heldout", "held out"].contains(split.lowercased()) {
                problems.append(Problem(line: line, message: "field 'split': '\(split)' is spelled 'held_out'", fixable: true))
                object["split"] = .string("held_out")
                changed = true
            }
            if let prompt = object["prompt"]?.stringValue, prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems.append(Problem(line: line, message: "field 'prompt' is empty", fixable: false))
            }
            var record: PreparedRecord?
            if object["language"] != nil {
                do {
                    record = try PreparedRecord(object: object, line: line)
                } catch let error as RecordError {
                    if !problems.contains(where: { $0.line == line && $0.message.hasPrefix("field 'language'") }) {
                        problems.append(Problem(line: line, message: error.message, fixable: false))
                    }
                } catch {
                    problems.append(Problem(line: line, message: "\(error)", fixable: false))
                }
            }
            let out = changed ? reserialize(object) : trimmed
            if let record {
                if let first = firstLineOf[record.id] {
                    if first.text == out {
                        problems.append(Problem(line: line, message: "duplicate of line \(first.line)", fixable: true))
                        continue
                    }
                    problems.append(Problem(line: line, message: "duplicate id '\(record.id)' (first on line \(first.line))", fixable: false))
                } else {
                    firstLineOf[record.id] = (line, out)
                }
                problems += contentProblems(record, line: line)
                if record.language == .python {
                    if let test = record.test, record.testFramework == nil || record.testFramework == .asserts {
                        pythonSources.append((line, "test", test))
                    }
                    if let reference = record.reference {
                        pythonSources.append((line, "reference", record.completesPrompt ? record.prompt + reference : reference))
                    }
                }
            }
            kept.append((line, out))
        }
        var note: String?
        if let python, !pythonSources.isEmpty {
            switch parsePython(pythonSources, python: python) {
            case .success(let found): problems += found
            case .failure(let error): note = "\(error)"
            }
        }
        problems.sort { ($0.line, $0.message) < ($1.line, $1.message) }
        let fixedText = kept.map(\.text).joined(separator: "\n") + (kept.isEmpty ? "" : "\n")
        return Report(problems: problems, fixedText: fixedText, records: records, note: note)
    }

    /// Problems a well-formed record can still have.
    static func contentProblems(_ record: PreparedRecord, line: Int) -> [Problem] {
        var problems: [Problem] = []
        if record.id.trimmingCharacters(in: .whitespaces).isEmpty { problems.append(Problem(line: line, message: "field 'id' is empty", fixable: false)) }
        if let test = record.test {
            if test.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems.append(Problem(line: line, message: "field 'test' is empty (use null for no tests)", fixable: false))
            } else if record.language != .python, !test.contains("main") {
                problems.append(Problem(line: line, message: "field 'test': a C/C++ test is a program with its own main()", fixable: false))
            } else if record.language == .python, let entry = record.entryPoint, record.testFramework == nil || record.testFramework == .asserts,
                !test.contains("def check")
            {
                problems.append(Problem(line: line, message: "field 'test' defines no check(candidate) for entry_point '\(entry)'", fixable: false))
            }
        }
        if record.testFramework != nil, record.language != .python {
            problems.append(Problem(line: line, message: "field 'test_framework' applies to python only", fixable: false))
        }
        if record.completesPrompt, record.reference == nil, record.test == nil {
            problems.append(Problem(line: line, message: "completes_prompt is true but there is neither a test nor a reference", fixable: false))
        }
        return problems
    }

    /// Parses Python sources in one interpreter run; -> a problem per source that does not parse.
    static func parsePython(_ sources: [(line: Int, field: String, source: String)], python: String) -> Result<[Problem], DatasetError> {
        let script = """
            import ast, json, sys, warnings
            warnings.simplefilter("ignore")
            out = []
            for line, field, src in json.load(sys.stdin):
                try:
                    ast.parse(src)
                except SyntaxError as e:
                    out.append([line, field, f"line {e.lineno}: {e.msg}"])
            json.dump(out, sys.stdout)
            """
        let payload = JSONValue.array(sources.map { .array([.int($0.line), .string($0.field), .string($0.source)]) }).serialized
        let run = Subprocess.runBlocking("/usr/bin/env", [python, "-I", "-c", script], input: Data(payload.utf8), stderr: .discard)
        if run.status == -1 {
            return .failure(DatasetError("cannot run \(python): install python3 to check that Python tests and references parse"))
        }
        guard run.status == 0, let found = (try? JSONValue.parse(run.stdout))?.arrayValue else {
            return .failure(DatasetError("\(python) could not check the Python sources (exit \(run.status)): install python3"))
        }
        return .success(found.compactMap { item in
            guard let a = item.arrayValue, a.count == 3, let line = a[0].intValue, let field = a[1].stringValue, let message = a[2].stringValue else {
                return nil
            }
            return Problem(line: line, message: "field '\(field)' does not parse as Python: \(message)", fixable: false)
        })
    }

    /// A language named by a record's own path-like field or its id (`foo.py`, `CPP/3`).
    static func languageFromRecord(_ object: [String: JSONValue]) -> String? {
        for key in ["path", "file", "filename", "source_file"] {
            if let name = object[key]?.stringValue, let language = languageFromExtension(name) { return language }
        }
        if let id = object["id"]?.stringValue {
            if let language = languageFromExtension(id) { return language }
            if id.hasPrefix("CPP/") { return "cpp" }
        }
        return nil
    }

    static func languageFromExtension(_ name: String) -> String? {
        switch URL(fileURLWithPath: name).pathExtension.lowercased() {
        case "py": "python"
        case "c", "h": "c"
        case "cpp", "cc", "cxx", "hpp", "hh": "cpp"
        default: nil
        }
    }

    /// A language the file's name states (`tasks_cpp.jsonl`, `python-problems.jsonl`).
    static func languageFromName(_ path: String) -> String? {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent.lowercased()
        let words = Set(stem.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "+" }).map(String.init))
        let found = Set(words.compactMap { word -> String? in
            switch word {
            case "py", "python", "python3": "python"
            case "cpp", "c++", "cxx": "cpp"
            case "c": "c"
            default: nil
            }
        })
        return found.count == 1 ? found.first : nil
    }

    static func reserialize(_ object: [String: JSONValue]) -> String {
        let order = ["id", "dataset", "split", "language", "prompt", "completes_prompt", "entry_point", "test", "test_framework", "io", "reference", "reference_kind", "requires"]
        let known = order.compactMap { key in object[key].map { (key: key, value: $0) } }
        let rest = object.keys.filter { !order.contains($0) }.sorted().map { (key: $0, value: object[$0]!) }
        var out = ""
        JSONValue.writeObject(known + rest, to: &out)
        return out
    }

    /// Why a line is not JSON, where that is easy to tell.
    static func jsonErrorHint(_ text: String) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(text.utf8))
            return ""
        } catch {
            let message = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            return message.map { ": \($0)" } ?? ""
        }
    }
}
