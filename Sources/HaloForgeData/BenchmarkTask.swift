internal import Foundation
public import HaloForgeCore

/// A problem of a benchmark: what the model sees and how its answer is tested.
public struct BenchmarkTask: Sendable {
    public var id: String
    public var language: Language
    /// What the model is asked to continue (HumanEval) or solve (MBPP).
    public var prompt: String
    /// Completion-style tasks verify `prompt + completion`; others verify the completion alone.
    public var completesPrompt: Bool
    public var test: String?
    public var entryPoint: String?
    public var reference: String?

    public init(
        id: String, language: Language, prompt: String, completesPrompt: Bool, test: String?, entryPoint: String? = nil,
        reference: String? = nil
    ) {
        self.id = id
        self.language = language
        self.prompt = prompt
        self.completesPrompt = completesPrompt
        self.test = test
        self.entryPoint = entryPoint
        self.reference = reference
    }

    /// The sample that verifies `completion` (raw model text) against this task's tests.
    public func sample(completion: String, index: Int) -> Sample {
        let id = "\(self.id)#\(index)"
        var record: [String: JSONValue] = ["id": .string(id), "task_id": .string(self.id), "sample": .int(index), "completion": .string(completion)]
        record["language"] = .string(language.description)
        return Sample(
            id: id, language: language, candidate: .completion(completion, prompt: completesPrompt ? prompt : nil), test: test,
            entryPoint: entryPoint, record: record)
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
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let object = (try? JSONValue.parse(Data(line)))?.objectValue else { continue }
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
        let heldOut = heldOutIDs(tasks.map(\.id), dataset: dataset, heldOutFraction: heldOutFraction, seed: seed)
        return (tasks.filter { !heldOut.contains($0.id) }, tasks.filter { heldOut.contains($0.id) })
    }

    /// MBPP and its sanitized subset share task ids, so both keep MBPP's published ranges.
    static func usesMBPPRanges(_ dataset: String) -> Bool {
        dataset == DatasetName.mbpp.rawValue || dataset == DatasetName.mbppSanitized.rawValue
    }

    static func mbppNumber(_ id: String) -> Int { Int(id.split(separator: "/").last ?? "") ?? 0 }

    /// The ids `split` holds out: MBPP's test range 11–510, elsewhere the seeded fraction.
    public static func heldOutIDs(_ ids: [String], dataset: String, heldOutFraction: Double = 0.25, seed: Int = 0) -> Set<String> {
        if usesMBPPRanges(dataset) { return Set(ids.filter { (11...510).contains(mbppNumber($0)) }) }
        func rank(_ id: String) -> UInt64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(truncatingIfNeeded: seed)
            for byte in id.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return hash
        }
        let ordered = ids.sorted { rank($0) < rank($1) }
        let heldOutCount = max(1, Int((Double(ids.count) * heldOutFraction).rounded()))
        return Set(ordered.prefix(heldOutCount))
    }
}
