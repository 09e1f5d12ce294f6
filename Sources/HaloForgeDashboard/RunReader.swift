internal import Foundation
internal import GRDB
public import HaloForgeCore

/// One run folder's `run.sqlite`, opened read-only: the dashboard never writes, and a
/// read-only WAL reader neither blocks the run's writes nor sees a half-written transaction.
public final class RunReader: Sendable {
    public let folder: String
    private let db: DatabaseQueue

    public init(folder: String) throws {
        self.folder = folder
        let path = folder + "/run.sqlite"
        guard FileManager.default.fileExists(atPath: path) else { throw DashboardError("\(folder): no run.sqlite (not a run folder)") }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        db = try DatabaseQueue(path: path, configuration: configuration)
    }

    public struct Cycle: Sendable {
        public var cycle: Int
        public var phase: String
        public var metrics: [String: HaloForgeCore.JSONValue]
    }

    public struct Sample: Sendable {
        public var id: Int64
        public var cycle: Int
        public var promptID: String
        public var index: Int
        public var completion: String
        public var tokens: Int
        public var finishReason: String
        public var reward: Double?
        public var outcome: String?
        public var detail: String?
        public var testsPassed: Int?
        public var testsTotal: Int?
        public var kept: Bool
    }

    /// What a samples query asks for; nil fields do not filter.
    public struct SampleQuery: Sendable {
        public var cycle: Int?
        public var promptID: String?
        public var outcome: String?
        public var minReward: Double?
        public var maxReward: Double?
        public var kept: Bool?
        /// Keyset paging: samples with an id above this one.
        public var after: Int64 = 0
        public var limit = 50

        public init() {}
    }

    public func settings() throws -> [String: String] {
        try db.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM run").map { ($0["key"] as String, $0["value"] as String) })
        }
    }

    public func cycles() throws -> [Cycle] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT cycle, phase, metrics FROM cycle ORDER BY cycle").map { row in
                Cycle(cycle: row["cycle"], phase: row["phase"], metrics: (try? JSONValue.parse(Data((row["metrics"] as String).utf8)))?.objectValue ?? [:])
            }
        }
    }

    /// Where the latest unfinished cycle stands: its phase and (done, total) of that phase's work.
    public func progress(cycle: Int, phase: String) throws -> (done: Int, total: Int)? {
        try db.read { db in
            switch phase {
            case "generate":
                let prompts = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM prompt WHERE split = 'train'") ?? 0
                let have = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT prompt_id) FROM sample WHERE cycle = ?", arguments: [cycle]) ?? 0
                return (have, prompts)
            case "verify":
                let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sample WHERE cycle = ?", arguments: [cycle]) ?? 0
                let open = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sample WHERE cycle = ? AND reward IS NULL", arguments: [cycle]) ?? 0
                return (total - open, total)
            default:
                return nil
            }
        }
    }

    /// Training steps of every cycle: (cycle, step, loss, grad norm, tokens/s).
    public func trainSteps() throws -> [(cycle: Int, step: Int, loss: Double?, gradNorm: Double?, tokensPerSecond: Double?)] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT cycle, step, loss, grad_norm, tokens_per_second FROM train_step ORDER BY cycle, step").map {
                (cycle: $0["cycle"], step: $0["step"], loss: $0["loss"], gradNorm: $0["grad_norm"], tokensPerSecond: $0["tokens_per_second"])
            }
        }
    }

    /// Per prompt and cycle: (verified samples, samples that passed).
    public func promptPassRates() throws -> [String: [Int: (samples: Int, passed: Int)]] {
        try db.read { db in
            var table: [String: [Int: (samples: Int, passed: Int)]] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT prompt_id, cycle, COUNT(*) AS n, SUM(reward >= 1.0) AS passed FROM sample
                WHERE reward IS NOT NULL GROUP BY prompt_id, cycle
                """)
            for row in rows { table[row["prompt_id"], default: [:]][row["cycle"]] = (row["n"], row["passed"] ?? 0) }
            return table
        }
    }

    /// The prompts in the order the run stored them.
    public func promptIDs() throws -> [String] {
        try db.read { db in try String.fetchAll(db, sql: "SELECT id FROM prompt ORDER BY position") }
    }

    public func prompt(_ id: String) throws -> String? {
        try db.read { db in try String.fetchOne(db, sql: "SELECT prompt FROM prompt WHERE id = ?", arguments: [id]) }
    }

    /// One page of samples in id order, and how many match the query in all.
    public func samples(_ query: SampleQuery) throws -> (samples: [Sample], total: Int) {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let cycle = query.cycle { conditions.append("cycle = ?"); arguments.append(cycle) }
        if let prompt = query.promptID { conditions.append("prompt_id = ?"); arguments.append(prompt) }
        if let outcome = query.outcome {
            if outcome == "unverified" { conditions.append("reward IS NULL") } else { conditions.append("outcome = ?"); arguments.append(outcome) }
        }
        if let lo = query.minReward { conditions.append("reward >= ?"); arguments.append(lo) }
        if let hi = query.maxReward { conditions.append("reward <= ?"); arguments.append(hi) }
        if let kept = query.kept { conditions.append("kept = ?"); arguments.append(kept ? 1 : 0) }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let page = (conditions + ["id > ?"]).joined(separator: " AND ")
        return try db.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sample" + filter, arguments: StatementArguments(arguments)) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM sample WHERE \(page) ORDER BY id LIMIT ?",
                arguments: StatementArguments(arguments + [query.after, max(1, min(query.limit, 500))]))
            return (rows.map(Self.sample), total)
        }
    }

    public func sample(id: Int64) throws -> Sample? {
        try db.read { db in try Row.fetchOne(db, sql: "SELECT * FROM sample WHERE id = ?", arguments: [id]).map(Self.sample) }
    }

    /// A cheap fingerprint that changes whenever the run writes something the run page shows.
    public func revision() throws -> String {
        try db.read { db in
            // The partial index of unverified samples keeps this cheap on a run of 100,000 samples.
            let verified = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sample WHERE reward IS NULL") ?? 0
            let cycles = try String.fetchAll(db, sql: "SELECT phase || length(metrics) FROM cycle ORDER BY cycle").joined(separator: ",")
            let samples = try Int.fetchOne(db, sql: "SELECT MAX(id) FROM sample") ?? 0
            return "\(cycles)|\(samples)|\(verified)"
        }
    }

    private static func sample(_ row: Row) -> Sample {
        Sample(
            id: row["id"], cycle: row["cycle"], promptID: row["prompt_id"], index: row["sample_index"], completion: row["completion"],
            tokens: row["completion_tokens"], finishReason: row["finish_reason"], reward: row["reward"], outcome: row["outcome"],
            detail: row["detail"], testsPassed: row["tests_passed"], testsTotal: row["tests_total"], kept: (row["kept"] as Int) != 0)
    }
}

/// A dashboard failure with a one-line message.
public struct DashboardError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
