internal import Foundation
public import HaloForgeCore

/// A task a chat model wrote together with its tests and its solution, so that the three
/// match; it is kept only when the solution passes the tests in the sandbox.
public struct SynthesizedTask: Sendable, Equatable {
    public var task: String
    /// Python: assert statements. C/C++: unused (see `io`).
    public var tests: String?
    public var io: [IOCase]
    public var solution: String

    public init(task: String, tests: String?, io: [IOCase], solution: String) {
        self.task = task
        self.tests = tests
        self.io = io
        self.solution = solution
    }

    /// The `verify` input record: the task as prompt, the solution as code, its tests.
    public func sample(id: String, language: Language, topic: String) -> Sample {
        var record: [String: JSONValue] = [
            "id": .string(id), "language": .string(language.description), "prompt": .string(task), "code": .string(solution),
            "topic": .string(topic), "source": .string("generated"),
        ]
        if let tests { record["test"] = .string(tests) }
        if !io.isEmpty { record["io"] = .array(io.map { .object(["stdin": .string($0.stdin), "stdout": .string($0.stdout)]) }) }
        return Sample(id: id, language: language, candidate: .code(solution), test: tests, io: io, record: record)
    }
}

public struct SynthesisError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum TaskSynthesis {
    /// The request for one task, its tests and its solution in one JSON reply.
    public static func prompt(topic: String, language: Language, index: Int) -> String {
        let name = language == .python ? "Python" : language == .cpp ? "C++" : "C"
        let tests = language == .python
            ? #""tests": Python assert statements, one per line, that call the function and check its results (at least three)"#
            : #""tests": a list of at least three objects {"stdin": "...", "stdout": "..."}: input for the program and its exact expected output"#
        let solution = language == .python
            ? #""solution": a complete Python solution (the function, any imports it needs) that passes the tests"#
            : #""solution": a complete \#(name) program that reads standard input and writes standard output, and passes the tests"#
        let task = language == .python
            ? #""task": the problem statement, naming the function to write and its parameters"#
            : #""task": the problem statement, with the exact input and output format"#
        return """
            Write one small, self-contained \(name) programming exercise about: \(topic).
            This is exercise number \(index + 1) of a set: make it different from the obvious first one.
            Reply with a single JSON object and nothing else, with exactly these keys:
            \(task),
            \(tests),
            \(solution).
            """
    }

    /// The task in a model's reply: a JSON object (bare, fenced, or inside other text).
    public static func parse(_ reply: String, language: Language) throws -> SynthesizedTask {
        guard let object = jsonObject(in: reply) else { throw SynthesisError("no JSON object in the reply") }
        guard let task = object["task"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !task.isEmpty else {
            throw SynthesisError("the reply has no 'task' string")
        }
        guard let rawSolution = object["solution"]?.stringValue, !rawSolution.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw SynthesisError("the reply has no 'solution' string")
        }
        let solution = unfenced(rawSolution)
        switch language {
        case .python:
            let tests: String
            switch object["tests"] {
            case .string(let text)?: tests = unfenced(text)
            case .array(let items)? where items.allSatisfy({ $0.stringValue != nil }): tests = items.compactMap(\.stringValue).joined(separator: "\n")
            default: throw SynthesisError("'tests' must be assert statements (a string or a list of strings)")
            }
            guard tests.contains("assert") else { throw SynthesisError("'tests' has no assert statement") }
            return SynthesizedTask(task: task, tests: tests, io: [], solution: solution)
        default:
            guard let items = object["tests"]?.arrayValue, !items.isEmpty else {
                throw SynthesisError("'tests' must be a list of {stdin, stdout} objects")
            }
            let io = try items.enumerated().map { i, item in
                guard let stdin = item["stdin"]?.stringValue ?? item["input"]?.stringValue,
                      let stdout = item["stdout"]?.stringValue ?? item["output"]?.stringValue
                else { throw SynthesisError("tests[\(i)] needs string 'stdin' and 'stdout'") }
                return IOCase(stdin: stdin, stdout: stdout)
            }
            return SynthesizedTask(task: task, tests: nil, io: io, solution: solution)
        }
    }

    /// The first parseable JSON object: a ```json fence's body, else the outermost braces,
    /// else each balanced `{...}` from the left.
    static func jsonObject(in text: String) -> [String: JSONValue]? {
        var candidates: [Substring] = []
        var rest = text[...]
        while let open = rest.range(of: "```") {
            let afterTag = rest[open.upperBound...].drop { $0 != "\n" }
            guard let close = afterTag.range(of: "```") else { break }
            candidates.append(afterTag[..<close.lowerBound])
            rest = afterTag[close.upperBound...]
        }
        if let first = text.firstIndex(of: "{"), let last = text.lastIndex(of: "}"), first < last {
            candidates.append(text[first...last])
        }
        // A reply may put an object inside prose with braces after it: try balanced spans too.
        var depth = 0
        var start: String.Index?
        var inString = false
        var escaped = false
        for index in text.indices {
            let c = text[index]
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                continue
            }
            if c == "\"" && depth > 0 { inString = true }
            if c == "{" {
                if depth == 0 { start = index }
                depth += 1
            } else if c == "}", depth > 0 {
                depth -= 1
                if depth == 0, let s = start { candidates.append(text[s...index]) }
            }
        }
        for candidate in candidates {
            if let object = (try? JSONValue.parse(Data(candidate.utf8)))?.objectValue, object["task"] != nil || object["solution"] != nil {
                return object
            }
        }
        return nil
    }

    /// Code without a surrounding Markdown fence.
    static func unfenced(_ code: String) -> String {
        let trimmed = code.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("```"), trimmed.hasSuffix("```"), trimmed.count > 6 else { return code }
        let body = trimmed.dropFirst(3).dropLast(3)
        return String(body.drop { $0 != "\n" }.dropFirst())
    }
}

/// `data generate`: ask a chat model for `count` tasks (one request each, with its own seed, so
/// that they differ), parse each reply, verify each solution against its own tests and keep
/// only those that pass every one. The model and the verifier come in as functions, so the
/// pipeline depends on neither.
public struct TaskGeneration: Sendable {
    public var topic: String
    public var language: Language
    public var count: Int
    public var seed: Int
    /// Requests in flight at once.
    public var concurrency: Int

    public init(topic: String, language: Language, count: Int, seed: Int, concurrency: Int) {
        self.topic = topic
        self.language = language
        self.count = count
        self.seed = seed
        self.concurrency = concurrency
    }

    /// What is wrong with these settings, named by flag; nil when nothing is.
    public var problem: String? {
        if count < 1 { return "--count must be at least 1" }
        if ![Language.python, .c, .cpp].contains(language) { return "--language: python, c or cpp" }
        if concurrency < 1 { return "--concurrency must be at least 1" }
        return nil
    }

    /// What became of every request.
    public struct Report: Sendable {
        public var replies: [String]
        /// The verified records, in request order.
        public var kept: [Sample]
        /// Per request: why it was kept or dropped, and its reward when it was verified.
        public var entries: [(status: String, reward: Double?)]
        public var parsed: Int

        /// The kept records as JSONL, each with its fields in name order.
        public var keptJSONL: String {
            kept.reduce(into: "") { text, sample in
                JSONValue.writeObject(sample.record.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: &text)
                text += "\n"
            }
        }

        /// Every reply with why it was dropped or kept, as JSONL.
        public var repliesJSONL: String {
            var lines = ""
            for (i, reply) in replies.enumerated() {
                let entry = entries[i]
                JSONValue.writeObject([
                    ("index", .int(i)), ("status", .string(entry.status)), ("reward", entry.reward.map(JSONValue.double) ?? .null),
                    ("reply", .string(reply)),
                ], to: &lines)
                lines += "\n"
            }
            return lines
        }
    }

    /// `ask(seed, prompt)` sends one request; `verify` judges the parsed samples (in order).
    public func run(
        ask: @escaping @Sendable (_ seed: Int, _ prompt: String) async throws -> String,
        verify: ([Sample]) async -> [Verdict]
    ) async throws -> Report {
        let (topic, language, seed) = (topic, language, seed)
        var replies = [String](repeating: "", count: count)
        try await Pool.run(Array(0..<count), jobs: concurrency) { i -> Result<String, any Error> in
            do {
                return .success(try await ask(seed + i, TaskSynthesis.prompt(topic: topic, language: language, index: i)))
            } catch {
                return .failure(error)
            }
        } completed: { i, reply in
            replies[i] = try reply.get()
        }
        let slug = topic.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.reduce(into: "") { $0.append($1) }
        var entries: [(status: String, reward: Double?)] = Array(repeating: ("unverified", nil), count: count)
        var parsed: [(index: Int, sample: Sample)] = []
        for (i, reply) in replies.enumerated() {
            do {
                let task = try TaskSynthesis.parse(reply, language: language)
                parsed.append((i, task.sample(id: "gen-\(slug)-\(seed + i)", language: language, topic: topic)))
            } catch {
                entries[i] = ("unparsed: \(error)", nil)
            }
        }
        let verdicts = await verify(parsed.map(\.sample))
        var kept: [Sample] = []
        for ((i, sample), verdict) in zip(parsed, verdicts) {
            // Only a solution that passes every one of its own tests makes a record.
            if verdict.reward >= Reward.passed {
                kept.append(sample)
                entries[i] = ("kept", verdict.reward)
            } else {
                entries[i] = (
                    "unverified: \(verdict.outcome.rawValue)" + (verdict.detail.isEmpty ? "" : ": " + String(verdict.detail.prefix(200))),
                    verdict.reward
                )
            }
        }
        return Report(replies: replies, kept: kept, entries: entries, parsed: parsed.count)
    }
}
