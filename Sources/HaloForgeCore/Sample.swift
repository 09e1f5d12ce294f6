/// A language the verifiers know, or one served by a custom command verifier.
public enum Language: Sendable, Hashable, CustomStringConvertible {
    case c
    case cpp
    case python
    case custom(String)

    public init(name: String) {
        switch name.lowercased() {
        case "c": self = .c
        case "cpp", "c++", "cxx": self = .cpp
        case "python", "py", "python3": self = .python
        default: self = .custom(name)
        }
    }

    public var description: String {
        switch self {
        case .c: "c"
        case .cpp: "cpp"
        case .python: "python"
        case .custom(let name): name
        }
    }
}

/// One stdin → expected stdout case.
public struct IOCase: Sendable, Equatable {
    public var stdin: String
    public var stdout: String

    public init(stdin: String, stdout: String) {
        self.stdin = stdin
        self.stdout = stdout
    }
}

/// How a Python `test` is run.
public enum TestFramework: String, Sendable, CaseIterable {
    /// `test` is asserts (MBPP) or a `check(candidate)` function (HumanEval, with `entry_point`).
    case asserts
    case pytest
    case unittest
}

/// The code a sample offers: complete source, or raw model text.
public enum Candidate: Sendable, Equatable {
    case code(String)
    /// Raw model output; code is taken from a fenced block when there is one.
    /// Completion-style tasks verify `prompt + completion`.
    case completion(String, prompt: String?)
}

/// A candidate program with its tests: one input record of `halo-forge verify`.
public struct Sample: Sendable {
    public var id: String
    public var language: Language
    public var candidate: Candidate
    public var test: String?
    public var entryPoint: String?
    public var io: [IOCase]
    public var testFramework: TestFramework
    /// The record as read, so unknown fields pass through to the output.
    public var record: [String: JSONValue]

    public init(
        id: String, language: Language, candidate: Candidate, test: String? = nil, entryPoint: String? = nil,
        io: [IOCase] = [], testFramework: TestFramework = .asserts, record: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.language = language
        self.candidate = candidate
        self.test = test
        self.entryPoint = entryPoint
        self.io = io
        self.testFramework = testFramework
        self.record = record
    }

    public var hasTests: Bool { test != nil || !io.isEmpty }
}

/// A record that cannot be verified, named by its line.
public struct RecordError: Error, CustomStringConvertible, Equatable {
    public var line: Int
    public var message: String

    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

extension Sample {
    /// Reads a `verify` input record. `customLanguages` are those a command verifier serves.
    public init(record: [String: JSONValue], line: Int, customLanguages: Set<String> = []) throws {
        func string(_ key: String, required: Bool = false) throws -> String? {
            guard let value = record[key], value != .null else {
                if required { throw RecordError(line: line, "missing field '\(key)'") }
                return nil
            }
            guard let s = value.stringValue else { throw RecordError(line: line, "field '\(key)' must be a string") }
            return s
        }
        let id: String
        switch record["id"] {
        case .string(let s)?: id = s
        case .int(let i)?: id = String(i)
        case nil, .null?: throw RecordError(line: line, "missing field 'id'")
        default: throw RecordError(line: line, "field 'id' must be a string")
        }
        let languageName = try string("language", required: true)!
        let language = Language(name: languageName)
        if case .custom(let name) = language, !customLanguages.contains(name) {
            throw RecordError(
                line: line, "unknown language '\(languageName)' (known: c, cpp, python"
                    + customLanguages.sorted().map { ", \($0)" }.joined() + ")")
        }
        let candidate: Candidate
        if let code = try string("code") {
            candidate = .code(code)
        } else if let completion = try string("completion") {
            candidate = .completion(completion, prompt: try string("prompt"))
        } else {
            throw RecordError(line: line, "missing field 'code' or 'completion'")
        }
        var io: [IOCase] = []
        if let rawIO = record["io"], rawIO != .null {
            guard let cases = rawIO.arrayValue else { throw RecordError(line: line, "field 'io' must be a list") }
            for (i, item) in cases.enumerated() {
                guard let stdin = item["stdin"]?.stringValue ?? (item["stdin"] == nil ? "" : nil),
                    let stdout = item["stdout"]?.stringValue
                else {
                    throw RecordError(line: line, "field 'io[\(i)]' needs string 'stdin' and 'stdout'")
                }
                io.append(IOCase(stdin: stdin, stdout: stdout))
            }
        }
        var framework = TestFramework.asserts
        if let name = try string("test_framework") {
            guard let parsed = TestFramework(rawValue: name) else {
                throw RecordError(line: line, "field 'test_framework' must be asserts, pytest or unittest")
            }
            guard language == .python else {
                throw RecordError(line: line, "field 'test_framework' applies to python only")
            }
            framework = parsed
        }
        self.init(
            id: id, language: language, candidate: candidate, test: try string("test"),
            entryPoint: try string("entry_point"), io: io, testFramework: framework, record: record)
    }
}
