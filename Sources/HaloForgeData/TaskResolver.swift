internal import Foundation
internal import HaloForgeCore

/// The tasks of one source, each on its side of the train / held-out split.
public struct TaskSet: Sendable {
    /// The built-in name or the path the tasks came from.
    public var source: String
    /// Every task this host can verify, in the source's order.
    public var tasks: [BenchmarkTask]
    public var heldOutIDs: Set<String>
    /// Problems left out because this host lacks a library they need, with the reason.
    public var skipped: [String]

    public var train: [BenchmarkTask] { tasks.filter { !heldOutIDs.contains($0.id) } }
    public var heldOut: [BenchmarkTask] { tasks.filter { heldOutIDs.contains($0.id) } }
}

/// The one way every command turns a dataset argument into tasks: a built-in name
/// (`builtin-c`, or a shipped benchmark) or a FILE / folder of prompts (docs/DATA.md).
public enum TaskResolver {
    /// The demo's generated C tasks (48 train, 24 held out).
    public static let builtinC = "builtin-c"

    public static var builtinNames: [String] { [builtinC] + DatasetName.allCases.map(\.rawValue) }

    /// The tasks of `source`. `datasets` is the folder of the shipped sets (nil: the default);
    /// `defaults` fill what prompt records leave out (from `--verifier`).
    public static func resolve(
        _ source: String, datasets: String? = nil, defaults: TaskDefaults = TaskDefaults(), seed: Int = 0,
        heldOutFraction: Double = 0.25
    ) throws -> TaskSet {
        let records = try Prepare.records(
            source: source, datasets: datasets ?? Datasets.defaultFolder(), defaults: defaults, seed: seed, heldOutFraction: heldOutFraction)
        var set = TaskSet(source: source, tasks: [], heldOutIDs: [], skipped: [])
        for record in records {
            if !record.requires.isEmpty, let missing = Datasets.missingHeader(record.completesPrompt ? record.prompt : record.reference ?? record.prompt) {
                set.skipped.append("\(record.id) (needs \(missing))")
                continue
            }
            set.tasks.append(record.task)
            if record.split == .heldOut { set.heldOutIDs.insert(record.id) }
        }
        guard !set.tasks.isEmpty else { throw DatasetError("\(source): no tasks this host can verify") }
        return set
    }
}
