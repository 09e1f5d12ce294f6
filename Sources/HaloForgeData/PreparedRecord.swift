internal import Foundation
public import HaloForgeCore

/// One problem in halo-forge's prepared format (docs/DATA.md): what the model is asked, how
/// its answer is tested (the `verify` record fields), and the reference answer when known.
public struct PreparedRecord: Sendable, Equatable {
    public enum Split: String, Sendable, CaseIterable {
        case train
        case heldOut = "held_out"
    }

    public var id: String
    /// The set the record came from (`mbpp`, or a file's name).
    public var dataset: String
    public var split: Split
    public var language: Language
    public var prompt: String
    /// True: the model continues the prompt and `prompt + answer` is verified (HumanEval);
    /// false: the answer is verified alone (MBPP).
    public var completesPrompt: Bool
    public var test: String?
    public var entryPoint: String?
    public var testFramework: TestFramework?
    public var io: [IOCase]
    /// The answer a model should give (completion-style: the text after the prompt).
    public var reference: String?
    /// `canonical` (the set's solution) or `model_response` (a recorded model answer, unchecked).
    public var referenceKind: String?
    /// External libraries the problem needs (`boost`, `openssl`); verification skips it where missing.
    public var requires: [String]

    public init(
        id: String, dataset: String, split: Split, language: Language, prompt: String, completesPrompt: Bool, test: String? = nil,
        entryPoint: String? = nil, testFramework: TestFramework? = nil, io: [IOCase] = [], reference: String? = nil,
        referenceKind: String? = nil, requires: [String] = []
    ) {
        self.id = id
        self.dataset = dataset
        self.split = split
        self.language = language
        self.prompt = prompt
        self.completesPrompt = completesPrompt
        self.test = test
        self.entryPoint = entryPoint
        self.testFramework = testFramework
        self.io = io
        self.reference = reference
        self.referenceKind = referenceKind
        self.requires = requires
    }

    public var hasTests: Bool { test != nil || !io.isEmpty }

    /// The record as one JSON line, fields in a fixed order.
    public var jsonLine: String {
        var fields: [(key: String, value: JSONValue)] = [
            ("id", .string(id)), ("dataset", .string(dataset)), ("split", .string(split.rawValue)),
            ("language", .string(language.description)), ("prompt", .string(prompt)), ("completes_prompt", .bool(completesPrompt)),
        ]
        if let entryPoint { fields.append(("entry_point", .string(entryPoint))) }
        fields.append(("test", test.map(JSONValue.string) ?? .null))
        if let testFramework { fields.append(("test_framework", .string(testFramework.rawValue))) }
        if !io.isEmpty {
            fields.append(("io", .array(io.map { .object(["stdin": .string($0.stdin), "stdout": .string($0.stdout)]) })))
        }
        fields.append(("reference", reference.map(JSONValue.string) ?? .null))
        if let referenceKind { fields.append(("reference_kind", .string(referenceKind))) }
        if !requires.isEmpty { fields.append(("requires", .array(requires.map(JSONValue.string)))) }
        var out = ""
        JSONValue.writeObject(fields, to: &out)
        return out
    }

    /// The `verify` record that checks the reference answer; nil without one.
    public var referenceSample: Sample? {
        guard let reference else { return nil }
        let code = completesPrompt ? prompt + reference : reference
        var record: [String: JSONValue] = ["id": .string(id), "language": .string(language.description), "code": .string(code)]
        if let test { record["test"] = .string(test) }
        if let entryPoint { record["entry_point"] = .string(entryPoint) }
        if let testFramework { record["test_framework"] = .string(testFramework.rawValue) }
        if !io.isEmpty { record["io"] = .array(io.map { .object(["stdin": .string($0.stdin), "stdout": .string($0.stdout)]) }) }
        if !requires.isEmpty { record["requires"] = .array(requires.map(JSONValue.string)) }
        return Sample(
            id: id, language: language, candidate: .code(code), test: test, entryPoint: entryPoint, io: io,
            testFramework: testFramework ?? .asserts, record: record)
    }

    /// The benchmark task a model is asked (and its answers verified by).
    public var task: BenchmarkTask {
        BenchmarkTask(
            id: id, language: language, prompt: prompt, completesPrompt: completesPrompt, test: test, entryPoint: entryPoint,
            testFramework: testFramework, io: io, reference: reference)
    }

    /// A supervised pair: the prompt and the reference as the model should write it
    /// (completion-style: the continuation; otherwise the code in one fenced block).
    public var trainingPair: (prompt: String, completion: String)? {
        guard let reference else { return nil }
        if completesPrompt { return (prompt, reference) }
        let code = reference.replacingOccurrences(of: "\r\n", with: "\n")
        return (prompt, "```\(language.description)\n" + code + (code.hasSuffix("\n") ? "" : "\n") + "```")
    }
}

/// What a prompt record may leave unsaid, and the languages custom verifiers serve: from
/// `--verifier` (`VerifierChoice`).
public struct TaskDefaults: Sendable, Equatable {
    /// The language of a record that names none; nil: `language` is required.
    public var language: Language?
    /// How a Python record's `test` runs when it has no `test_framework` (and no `entry_point`).
    public var testFramework: TestFramework?
    /// Languages besides c, cpp and python that records may name.
    public var customLanguages: Set<String>

    public init(language: Language? = nil, testFramework: TestFramework? = nil, customLanguages: Set<String> = []) {
        self.language = language
        self.testFramework = testFramework
        self.customLanguages = customLanguages
    }
}

extension PreparedRecord {
    /// Reads a prepared record; errors name the line and the field. `fallbackID` names a
    /// record without an `id` (nil: `id` is required); `defaults` fill what the record leaves out.
    public init(object: [String: JSONValue], line: Int, fallbackID: String? = nil, defaults: TaskDefaults = TaskDefaults()) throws {
        func string(_ key: String, required: Bool = false) throws -> String? {
            guard let value = object[key], value != .null else {
                if required { throw RecordError(line: line, "missing field '\(key)'") }
                return nil
            }
            guard let s = value.stringValue else { throw RecordError(line: line, "field '\(key)' must be a string") }
            return s
        }
        let id: String
        switch object["id"] {
        case .string(let s)?: id = s
        case .int(let i)?: id = String(i)
        case nil, .null?:
            guard let fallbackID else { throw RecordError(line: line, "missing field 'id'") }
            id = fallbackID
        default: throw RecordError(line: line, "field 'id' must be a string")
        }
        let language: Language
        if let languageName = try string("language") {
            language = Language(name: languageName)
            if case .custom(let name) = language, !defaults.customLanguages.contains(name) {
                let known = ["c", "cpp", "python"] + defaults.customLanguages.sorted()
                throw RecordError(line: line, "field 'language': unknown language '\(languageName)' (known: \(known.joined(separator: ", ")))")
            }
        } else if let fallback = defaults.language {
            language = fallback
        } else {
            throw RecordError(line: line, "missing field 'language' (or give --verifier to say how prompts without one are judged)")
        }
        let prompt = try string("prompt", required: true)!
        var split = Split.train
        if let name = try string("split") {
            guard let parsed = Split(rawValue: name) else { throw RecordError(line: line, "field 'split' must be train or held_out, not '\(name)'") }
            split = parsed
        }
        var completes = false
        if let value = object["completes_prompt"], value != .null {
            guard case .bool(let b) = value else { throw RecordError(line: line, "field 'completes_prompt' must be true or false") }
            completes = b
        }
        var framework: TestFramework?
        if let name = try string("test_framework") {
            guard let parsed = TestFramework(rawValue: name) else {
                throw RecordError(line: line, "field 'test_framework' must be asserts, pytest or unittest")
            }
            framework = parsed
        } else if language == .python, object["test"]?.stringValue != nil, object["entry_point"]?.stringValue == nil {
            framework = defaults.testFramework
        }
        var io: [IOCase] = []
        if let raw = object["io"], raw != .null {
            guard let cases = raw.arrayValue else { throw RecordError(line: line, "field 'io' must be a list") }
            for (i, item) in cases.enumerated() {
                guard let stdin = item["stdin"]?.stringValue ?? (item["stdin"] == nil ? "" : nil), let stdout = item["stdout"]?.stringValue else {
                    throw RecordError(line: line, "field 'io[\(i)]' needs string 'stdin' and 'stdout'")
                }
                io.append(IOCase(stdin: stdin, stdout: stdout))
            }
        }
        var requires: [String] = []
        if let raw = object["requires"], raw != .null {
            guard let list = raw.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw RecordError(line: line, "field 'requires' must be a list of strings")
            }
            requires = list.compactMap(\.stringValue)
        }
        self.init(
            id: id, dataset: try string("dataset") ?? "", split: split, language: language, prompt: prompt, completesPrompt: completes,
            test: try string("test"), entryPoint: try string("entry_point"), testFramework: framework, io: io,
            reference: try string("reference"), referenceKind: try string("reference_kind"), requires: requires)
    }
}
