internal import Foundation
public import HaloForgeCore

/// Turns the built-in sets, a user's JSONL/JSON file or a dataset folder on disk into
/// prepared records (docs/DATA.md), each on its side of a train / held-out split.
public enum Prepare {
    /// Which part of the split to keep.
    public enum SplitChoice: String, Sendable, CaseIterable {
        case train
        case heldOut = "held-out"
        case all

        public func keeps(_ record: PreparedRecord) -> Bool {
            switch self {
            case .all: true
            case .train: record.split == .train
            case .heldOut: record.split == .heldOut
            }
        }
    }

    /// The records of `source`: a built-in set's name (`builtin-c` included), a .jsonl/.json
    /// file, or a folder of them. `datasets` is the folder of the shipped sets; `seed` and
    /// `heldOutFraction` drive the seeded split (MBPP keeps its published ranges; identical
    /// prompts stay on one side); `defaults` fill what prompt records leave out.
    public static func records(
        source: String, datasets: String, defaults: TaskDefaults = TaskDefaults(), seed: Int = 0, heldOutFraction: Double = 0.25
    ) throws -> [PreparedRecord] {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        let records: [PreparedRecord]
        if source == TaskResolver.builtinC, !fm.fileExists(atPath: source) {
            records = builtinC()
        } else if let name = DatasetName(named: source), !fm.fileExists(atPath: source) {
            let path = datasets + "/" + name.fileName
            guard let data = fm.contents(atPath: path) else {
                throw DatasetError("cannot read \(path): pass --datasets DIR or set HALO_FORGE_DATASETS")
            }
            records = try builtin(name, data: data, path: path, label: name.rawValue, seed: seed, heldOutFraction: heldOutFraction)
        } else if fm.fileExists(atPath: source, isDirectory: &isFolder) {
            records = isFolder.boolValue
                ? try folder(source, defaults: defaults, seed: seed, heldOutFraction: heldOutFraction)
                : try file(source, defaults: defaults, seed: seed, heldOutFraction: heldOutFraction)
        } else {
            throw DatasetError(
                "\(source): no such file or folder, and not a built-in set (\(TaskResolver.builtinNames.joined(separator: ", ")))")
        }
        var seen: [String: Int] = [:]
        for (i, record) in records.enumerated() {
            if let first = seen[record.id] { throw DatasetError("\(source): id '\(record.id)' appears twice (records \(first + 1) and \(i + 1))") }
            seen[record.id] = i
        }
        return records
    }

    /// The demo's C tasks with their fixed split.
    static func builtinC() -> [PreparedRecord] {
        let train = BuiltinTasks.train(), heldOut = BuiltinTasks.heldOut()
        return (train.map { ($0, PreparedRecord.Split.train) } + heldOut.map { ($0, .heldOut) }).map { task, split in
            PreparedRecord(
                id: task.id, dataset: TaskResolver.builtinC, split: split, language: task.language, prompt: task.prompt,
                completesPrompt: task.completesPrompt, test: task.test, entryPoint: task.entryPoint, reference: task.reference,
                referenceKind: "canonical")
        }
    }

    /// A set in one of the public formats, read through the benchmark loaders.
    static func builtin(_ name: DatasetName, data: Data, path: String, label: String, seed: Int, heldOutFraction: Double) throws -> [PreparedRecord] {
        var records: [PreparedRecord] = []
        if name == .codeforces {
            let (samples, _) = try Datasets.load(.codeforces, data: data, path: path)
            let objects = JSONLines.lines(in: data).compactMap { (try? JSONValue.parse($0.text))?.objectValue }
            for (sample, object) in zip(samples, objects) {
                guard case .code(let response) = sample.candidate, let statement = object["prompt"]?.stringValue else {
                    throw DatasetError("\(path): record \(sample.id): missing field 'prompt'")
                }
                let prompt = statement + "\n\nWrite a complete C++17 program that reads from standard input and writes to standard output."
                records.append(PreparedRecord(
                    id: sample.id, dataset: label, split: .train, language: .cpp, prompt: prompt, completesPrompt: false,
                    reference: response, referenceKind: "model_response"))
            }
        } else {
            for task in try Datasets.tasks(name, data: data, path: path, includeUnavailable: true) {
                records.append(PreparedRecord(
                    id: task.id, dataset: label, split: .train, language: task.language, prompt: task.prompt,
                    completesPrompt: task.completesPrompt, test: task.test, entryPoint: task.entryPoint, reference: task.reference,
                    referenceKind: task.reference == nil ? nil : "canonical", requires: requiredLibraries(task.prompt)))
            }
        }
        let heldOut = Datasets.heldOutIDs(
            records.map(\.id), dataset: name.rawValue, heldOutFraction: heldOutFraction, seed: seed, statements: records.map(\.prompt))
        for i in records.indices where heldOut.contains(records[i].id) { records[i].split = .heldOut }
        return records
    }

    /// Libraries a problem's source includes that a plain toolchain lacks.
    public static func requiredLibraries(_ source: String) -> [String] {
        [("boost/", "boost"), ("openssl/", "openssl")].filter { source.contains("<" + $0.0) || source.contains("\"" + $0.0) }.map(\.1)
    }

    /// How a file's records are laid out.
    enum SourceFormat {
        case prepared
        case published(DatasetName)
    }

    /// Which format a record is in, from its fields.
    static func format(of object: [String: JSONValue]) -> SourceFormat? {
        let keys = Set(object.keys)
        if keys.isSuperset(of: ["id", "language", "prompt"]) { return .prepared }
        if keys.isSuperset(of: ["task_id", "prompt", "canonical_solution", "test"]) {
            let cpp = keys.contains("declaration") || object["task_id"]?.stringValue?.hasPrefix("CPP/") == true
            return .published(cpp ? .humanevalXCpp : .humaneval)
        }
        if keys.isSuperset(of: ["code", "test_list"]) { return .published(keys.contains("text") ? .mbpp : .mbppSanitized) }
        if keys.isSuperset(of: ["prompt", "response"]) { return .published(.codeforces) }
        // The verify layout without code, or bare prompts: id and language may come from defaults.
        if keys.contains("prompt") { return .prepared }
        return nil
    }

    /// The JSON lines of a file: JSONL, or a .json file holding one array of objects.
    static func lines(of path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw DatasetError("cannot read \(path)") }
        guard path.hasSuffix(".json"), let first = data.first(where: { $0 > 32 }), first == UInt8(ascii: "[") else { return data }
        guard let array = (try? JSONValue.parse(data))?.arrayValue else { throw DatasetError("\(path): invalid JSON") }
        return Data(array.map(\.serialized).joined(separator: "\n").utf8)
    }

    /// A user's file: prepared records (fields checked, a missing split assigned by the seeded
    /// split), or a public format read as that set is.
    public static func file(_ path: String, defaults: TaskDefaults = TaskDefaults(), seed: Int = 0, heldOutFraction: Double = 0.25) throws -> [PreparedRecord] {
        let label = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(try lines(of: path), path: path, label: label, defaults: defaults, seed: seed, heldOutFraction: heldOutFraction)
    }

    /// The records of JSON lines read from `path` (named in errors); `label` names the set.
    static func parse(_ data: Data, path: String, label: String, defaults: TaskDefaults, seed: Int, heldOutFraction: Double) throws -> [PreparedRecord] {
        var firstObject: [String: JSONValue]?
        if let line = JSONLines.lines(in: data).first {
            do { firstObject = try JSONLines.object(line) } catch { throw DatasetError("\(path): \(error)") }
        }
        guard let firstObject else { throw DatasetError("\(path): no records") }
        guard let format = format(of: firstObject) else {
            throw DatasetError(
                "\(path): line 1: cannot tell the format: expected id, language, prompt (prepared, or a prompt file), task_id, prompt, canonical_solution, test (HumanEval), code, test_list (MBPP) or prompt, response (CodeForces)")
        }
        if case .published(let name) = format {
            do { return try builtin(name, data: data, path: path, label: label, seed: seed, heldOutFraction: heldOutFraction) } catch let e as RecordError {
                throw DatasetError("\(path): \(e)")
            }
        }
        var records: [PreparedRecord] = []
        var unsplit: [Int] = []
        for line in JSONLines.lines(in: data) {
            do {
                let object = try JSONLines.object(line)
                var record = try PreparedRecord(object: object, line: line.number, fallbackID: "\(label)/\(line.number)", defaults: defaults)
                if record.dataset.isEmpty { record.dataset = label }
                if object["split"] == nil || object["split"] == .null { unsplit.append(records.count) }
                records.append(record)
            } catch {
                throw DatasetError("\(path): \(error)")
            }
        }
        let heldOut = Datasets.heldOutIDs(
            unsplit.map { records[$0].id }, dataset: label, heldOutFraction: heldOutFraction, seed: seed,
            statements: unsplit.map { records[$0].prompt })
        for i in unsplit { records[i].split = heldOut.contains(records[i].id) ? .heldOut : .train }
        return records
    }

    /// A dataset folder on disk (a Hugging Face dataset repository, say): every .jsonl and
    /// .json file under it in path order, or else its Parquet files (read through Python's pyarrow).
    public static func folder(_ path: String, defaults: TaskDefaults = TaskDefaults(), seed: Int = 0, heldOutFraction: Double = 0.25) throws -> [PreparedRecord] {
        let metadata: Set = ["dataset_info.json", "state.json", "dataset_dict.json", "dataset_infos.json"]
        let all = (FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []).sorted()
        let files = all.filter { ($0.hasSuffix(".jsonl") || $0.hasSuffix(".json")) && !metadata.contains(URL(fileURLWithPath: $0).lastPathComponent) }
        if !files.isEmpty {
            return try files.flatMap { try file(path + "/" + $0, defaults: defaults, seed: seed, heldOutFraction: heldOutFraction) }
        }
        let parquet = all.filter { $0.hasSuffix(".parquet") }
        guard !parquet.isEmpty else {
            if all.contains(where: { $0.hasSuffix(".arrow") }) {
                throw DatasetError("\(path): holds Arrow files only, which halo-forge does not read: save the dataset as Parquet or JSONL (datasets: ds.to_json('data.jsonl'))")
            }
            throw DatasetError("\(path): no .jsonl, .json or .parquet files in the folder")
        }
        return try parquet.flatMap { name in
            let file = path + "/" + name
            let label = URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
            return try parse(
                try Parquet.jsonLines(file), path: file, label: label, defaults: defaults, seed: seed, heldOutFraction: heldOutFraction)
        }
    }

    /// The records' reference answers as `verify` input, without those whose libraries this
    /// host lacks (named in `skipped` with the reason) and those without a reference.
    public static func referenceSamples(_ records: [PreparedRecord]) -> (samples: [Sample], skipped: [String], withoutReference: Int) {
        var samples: [Sample] = []
        var skipped: [String] = []
        var without = 0
        for record in records {
            guard let sample = record.referenceSample else {
                without += 1
                continue
            }
            if !record.requires.isEmpty, let missing = Datasets.missingHeader(record.completesPrompt ? record.prompt : record.reference ?? "") {
                skipped.append("\(record.id) (needs \(missing))")
                continue
            }
            samples.append(sample)
        }
        return (samples, skipped, without)
    }

    /// What `data prepare` writes: the records, or their reference answers as `verify` input.
    public enum Format: String, Sendable, CaseIterable {
        case prepared
        case verify
    }

    /// The JSONL lines (with newlines) of `records` in `format`, and what was left out
    /// ("; left out …; N without a reference", empty when nothing was).
    public static func jsonl(_ records: [PreparedRecord], format: Format) -> (text: String, count: Int, leftOut: String) {
        switch format {
        case .prepared:
            return (records.map { $0.jsonLine + "\n" }.joined(), records.count, "")
        case .verify:
            let (samples, skipped, without) = referenceSamples(records)
            var note = skipped.isEmpty ? "" : "; left out \(skipped.joined(separator: ", "))"
            if without > 0 { note += "; \(without) without a reference" }
            return (samples.map { Datasets.jsonLine($0) + "\n" }.joined(), samples.count, note)
        }
    }

    /// `data prepare`'s account of `written` lines from `records`: the split, tests, references
    /// and the external libraries some records need.
    public static func summary(_ records: [PreparedRecord], source: String, written: Int) -> String {
        let train = records.filter { $0.split == .train }.count
        let needs = records.filter { !$0.requires.isEmpty }.map { "\($0.id) (\($0.requires.joined(separator: ", ")))" }
        return "\(source): \(written) records written (train \(train), held_out \(records.count - train); "
            + "\(records.filter(\.hasTests).count) with tests, \(records.filter { $0.reference != nil }.count) with a reference)"
            + (needs.isEmpty ? "" : "; needs external libraries: \(needs.joined(separator: ", "))")
    }
}
