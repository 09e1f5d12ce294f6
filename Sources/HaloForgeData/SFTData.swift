internal import Foundation
internal import HaloForgeCore

/// Supervised pairs from a file: prepared records with a reference (the train split only:
/// held-out problems are for benchmarks), or plain prompt/completion records.
public enum SFTData {
    public struct Example: Sendable, Equatable {
        public var id: String
        public var prompt: String
        public var completion: String
    }

    public struct Loaded: Sendable {
        public var examples: [Example]
        /// Prepared records left out: held out, or without a reference.
        public var heldOutLeftOut: Int
        public var withoutReference: Int
    }

    /// The pairs of `source` (a file, a dataset folder, or a built-in set's name).
    public static func load(_ source: String, datasets: String) throws -> Loaded {
        if let first = firstObject(source), first["completion"] != nil, first["prompt"] != nil {
            return Loaded(examples: try plainPairs(source), heldOutLeftOut: 0, withoutReference: 0)
        }
        let records = try Prepare.records(source: source, datasets: datasets)
        let train = records.filter { $0.split == .train }
        let examples = train.compactMap { record in record.trainingPair.map { Example(id: record.id, prompt: $0.prompt, completion: $0.completion) } }
        return Loaded(examples: examples, heldOutLeftOut: records.count - train.count, withoutReference: train.count - examples.count)
    }

    /// A seeded slice held out for the evaluation loss; never empty when there are two examples or more.
    public static func evaluationSlice(_ examples: [Example], fraction: Double, seed: Int) -> (train: [Example], eval: [Example]) {
        guard fraction > 0, examples.count >= 2 else { return (examples, []) }
        let held = Datasets.heldOutIDs(examples.map(\.id), dataset: "sft", heldOutFraction: fraction, seed: seed)
        return (examples.filter { !held.contains($0.id) }, examples.filter { held.contains($0.id) })
    }

    static func firstObject(_ path: String) -> [String: JSONValue]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 1 << 20)) ?? Data()
        guard let line = head.split(separator: UInt8(ascii: "\n")).first(where: { $0.contains(where: { $0 > 32 }) }) else { return nil }
        return (try? JSONValue.parse(Data(line)))?.objectValue
    }

    static func plainPairs(_ path: String) throws -> [Example] {
        guard let data = FileManager.default.contents(atPath: path) else { throw DatasetError("cannot read \(path)") }
        var examples: [Example] = []
        for line in JSONLines.lines(in: data) {
            do {
                let object = try JSONLines.object(line)
                guard let prompt = object["prompt"]?.stringValue else { throw RecordError(line: line.number, "field 'prompt' must be a string") }
                guard let completion = object["completion"]?.stringValue else { throw RecordError(line: line.number, "field 'completion' must be a string") }
                let id = object["id"]?.stringValue ?? object["id"]?.intValue.map(String.init) ?? "#\(line.number)"
                examples.append(Example(id: id, prompt: prompt, completion: completion))
            } catch {
                throw DatasetError("\(path): \(error)")
            }
        }
        return examples
    }
}
