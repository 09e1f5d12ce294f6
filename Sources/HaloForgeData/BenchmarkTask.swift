internal import Foundation
public import HaloForgeCore

/// A problem: what the model sees, how its answer is tested, the reference answer when known.
/// Every command's tasks are this value, whatever set or file they came from (`TaskResolver`).
public struct BenchmarkTask: Sendable {
    public var id: String
    public var language: Language
    /// What the model is asked to continue (HumanEval) or solve (MBPP).
    public var prompt: String
    /// Completion-style tasks verify `prompt + completion`; others verify the completion alone.
    public var completesPrompt: Bool
    /// Python: asserts or a `check(candidate)` function (with `entryPoint`), or a pytest /
    /// unittest file; C/C++: a harness `main()` compiled after the answer.
    public var test: String?
    public var entryPoint: String?
    /// How a Python `test` runs; nil: asserts.
    public var testFramework: TestFramework?
    /// stdin → stdout cases; with neither these nor `test` the answer is rewarded up to compiling
    /// (or running, with `--run`).
    public var io: [IOCase]
    public var reference: String?

    public init(
        id: String, language: Language, prompt: String, completesPrompt: Bool, test: String?, entryPoint: String? = nil,
        testFramework: TestFramework? = nil, io: [IOCase] = [], reference: String? = nil
    ) {
        self.id = id
        self.language = language
        self.prompt = prompt
        self.completesPrompt = completesPrompt
        self.test = test
        self.entryPoint = entryPoint
        self.testFramework = testFramework
        self.io = io
        self.reference = reference
    }

    public var hasTests: Bool { test != nil || !io.isEmpty }

    /// The sample that verifies `completion` (raw model text) against this task's tests.
    public func sample(completion: String, index: Int) -> Sample {
        let id = "\(self.id)#\(index)"
        var record: [String: JSONValue] = ["id": .string(id), "task_id": .string(self.id), "sample": .int(index), "completion": .string(completion)]
        record["language"] = .string(language.description)
        return Sample(
            id: id, language: language, candidate: .completion(completion, prompt: completesPrompt ? prompt : nil), test: test,
            entryPoint: entryPoint, io: io, testFramework: testFramework ?? .asserts, record: record)
    }
}

extension Datasets {
    /// The problems of a dataset with tests, as a model would be asked them.
    public static func tasks(_ dataset: DatasetName, folder: String) throws -> [BenchmarkTask] {
        guard let data = FileManager.default.contents(atPath: folder + "/" + dataset.fileName) else {
            throw DatasetError("cannot read \(folder)/\(dataset.fileName)")
        }
        return try tasks(dataset, data: data, path: folder + "/" + dataset.fileName)
    }

    /// The problems of JSON lines in `dataset`'s format; `includeUnavailable` keeps those
    /// that need libraries this host lacks.
    static func tasks(_ dataset: DatasetName, data: Data, path: String, includeUnavailable: Bool = false) throws -> [BenchmarkTask] {
        let (samples, _) = try load(dataset, data: data, path: path, includeUnavailable: includeUnavailable)
        var prompts: [String: (prompt: String, reference: String?)] = [:]
        for line in JSONLines.lines(in: data) {
            guard let object = (try? JSONValue.parse(line.text))?.objectValue else { continue }
            switch dataset {
            case .humaneval, .humanevalXCpp:
                if let id = object["task_id"]?.stringValue, let prompt = object["prompt"]?.stringValue {
                    prompts[id] = (prompt, object["canonical_solution"]?.stringValue)
                }
            case .mbpp:
                let id = "MBPP/\(object["task_id"]?.serialized ?? "")"
                let tests = (object["test_list"]?.arrayValue ?? []).compactMap(\.stringValue)
                let text = object["text"]?.stringValue ?? ""
                // The asserts fix the function name: show the model one of them.
                prompts[id] = (text + (tests.first.map { "\nYour code should pass this test:\n" + $0 } ?? ""), object["code"]?.stringValue)
            case .mbppSanitized:
                let id = "MBPP-S/\(object["task_id"]?.serialized ?? "")"
                let tests = (object["test_list"]?.arrayValue ?? []).compactMap(\.stringValue)
                prompts[id] = ((object["prompt"]?.stringValue ?? "") + (tests.first.map { "\nYour code should pass this test:\n" + $0 } ?? ""), object["code"]?.stringValue)
            case .codeforces:
                break
            }
        }
        guard dataset != .codeforces else { throw DatasetError("codeforces has no tests: it cannot be benchmarked") }
        return samples.compactMap { sample in
            guard let (prompt, reference) = prompts[sample.id] else { return nil }
            let completes = dataset == .humaneval || dataset == .humanevalXCpp
            return BenchmarkTask(
                id: sample.id, language: sample.language, prompt: prompt, completesPrompt: completes, test: sample.test,
                entryPoint: sample.entryPoint, reference: reference)
        }
    }
}

extension Datasets {
    /// Training and held-out tasks that never overlap. MBPP uses its published ranges
    /// (train 601–974, test 11–510); other sets a seeded split by task id.
    public static func split(_ tasks: [BenchmarkTask], dataset: String, heldOutFraction: Double = 0.25, seed: Int = 0) -> (train: [BenchmarkTask], heldOut: [BenchmarkTask]) {
        if usesMBPPRanges(dataset) {
            return (tasks.filter { (601...974).contains(mbppNumber($0.id)) }, tasks.filter { (11...510).contains(mbppNumber($0.id)) })
        }
        let heldOut = heldOutIDs(tasks.map(\.id), dataset: dataset, heldOutFraction: heldOutFraction, seed: seed, statements: tasks.map(\.prompt))
        return (tasks.filter { !heldOut.contains($0.id) }, tasks.filter { heldOut.contains($0.id) })
    }

    /// MBPP and its sanitized subset share task ids, so both keep MBPP's published ranges.
    static func usesMBPPRanges(_ dataset: String) -> Bool {
        dataset == DatasetName.mbpp.rawValue || dataset == DatasetName.mbppSanitized.rawValue
    }

    static func mbppNumber(_ id: String) -> Int { Int(id.split(separator: "/").last ?? "") ?? 0 }

    /// The ids `split` holds out: MBPP's test range 11–510, elsewhere the seeded fraction.
    /// With `statements` (one per id), ids that share a statement go to the same side: a
    /// problem asked twice must not be both trained on and measured.
    public static func heldOutIDs(
        _ ids: [String], dataset: String, heldOutFraction: Double = 0.25, seed: Int = 0, statements: [String]? = nil
    ) -> Set<String> {
        if usesMBPPRanges(dataset) { return Set(ids.filter { (11...510).contains(mbppNumber($0)) }) }
        func rank(_ id: String) -> UInt64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(truncatingIfNeeded: seed)
            for byte in id.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return hash
        }
        let ordered = ids.sorted { rank($0) < rank($1) }
        let heldOutCount = max(1, Int((Double(ids.count) * heldOutFraction).rounded()))
        guard let statements, statements.count == ids.count else { return Set(ordered.prefix(heldOutCount)) }
        // Whole groups in the order of their first-ranked id: with no repeated statement this is
        // exactly the ungrouped split.
        let statementOf = Dictionary(zip(ids, statements), uniquingKeysWith: { a, _ in a })
        let members = Dictionary(grouping: ids, by: { statementOf[$0] ?? $0 })
        var heldOut = Set<String>()
        var taken = Set<String>()
        for id in ordered where heldOut.count < heldOutCount {
            let statement = statementOf[id] ?? id
            if taken.insert(statement).inserted { heldOut.formUnion(members[statement] ?? [id]) }
        }
        return heldOut
    }
}
