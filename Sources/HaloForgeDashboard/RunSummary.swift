public import Foundation
internal import HaloForgeCore

/// A run as the runs list shows it.
public struct RunSummary: Sendable {
    public var id: String
    public var folder: String
    public var model: String
    public var dataset: String
    public var cyclesDone: Int
    public var cyclesPlanned: Int?
    /// The latest held-out evaluation, when the run has one (benchmark full, demo).
    public var heldOutStage: String?
    public var heldOutPassAt1: Double?
    public var heldOutCompile: Double?
    public var state: RunState
    public var started: Date?
    public var wallSeconds: Double?

    /// The `key: value` lines of the run's stored configuration.
    static func configuration(_ settings: [String: String]) -> [(key: String, value: String)] {
        (settings["config"] ?? "").split(separator: "\n").compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            var value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return (String(line[..<colon]), value)
        }
    }

    /// Held-out evaluations in stage order: baseline, cycle-1, cycle-2, …
    static func evaluations(_ settings: [String: String]) -> [(stage: String, json: JSONValue)] {
        settings.compactMap { key, value -> (String, JSONValue)? in
            guard key.hasPrefix("eval:"), let json = try? JSONValue.parse(Data(value.utf8)) else { return nil }
            return (String(key.dropFirst(5)), json)
        }.sorted { stageOrder($0.0) < stageOrder($1.0) }
    }

    static func stageOrder(_ stage: String) -> Int {
        stage == "baseline" ? 0 : Int(stage.dropFirst("cycle-".count)) ?? Int.max
    }

    static func passAt1(_ json: JSONValue) -> Double? { json["pass_at_k"]?["pass@1"]?.doubleValue }

    init(id: String, reader: RunReader) throws {
        let settings = try reader.settings()
        let config = Dictionary(Self.configuration(settings), uniquingKeysWith: { a, _ in a })
        let cycles = try reader.cycles()
        self.id = id
        folder = reader.folder
        model = config["model"] ?? "?"
        dataset = config["dataset"].flatMap { $0 == "null" ? nil : $0 } ?? "?"
        cyclesDone = cycles.filter { $0.phase == "done" }.count
        cyclesPlanned = config["cycles"].flatMap { Int($0) }
        let last = Self.evaluations(settings).last
        heldOutStage = last?.stage
        heldOutPassAt1 = last.flatMap { Self.passAt1($0.json) }
        heldOutCompile = last?.json["compile_rate"]?.doubleValue
        let fm = FileManager.default
        let attributes = ["/run.sqlite", "/run.sqlite-wal"].compactMap { try? fm.attributesOfItem(atPath: reader.folder + $0) }
        let lastWrite = attributes.compactMap { $0[.modificationDate] as? Date }.max()
        state = RunState.of(folder: reader.folder, cyclesDone: cyclesDone, cyclesPlanned: cyclesPlanned, lastWrite: lastWrite)
        started = attributes.first?[.creationDate] as? Date
        // Without a birth time, the cycles' own timings are the best measure of the work done.
        let cycleSeconds = cycles.compactMap { $0.metrics["seconds"]?.doubleValue }.reduce(0, +)
        if let started {
            wallSeconds = (state == .running ? Date() : lastWrite ?? started).timeIntervalSince(started)
        } else {
            wallSeconds = cycleSeconds > 0 ? cycleSeconds : nil
        }
    }
}
