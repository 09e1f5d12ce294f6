internal import Foundation
internal import GRDB
public import HaloForgeCore

/// A run is a folder: `run.sqlite` holds the configuration, the prompts, every sample with
/// its reward, outcome and detail, per-cycle metrics, training steps and adapter paths,
/// each written in a transaction, so a crash, Ctrl-C or kill -9 loses nothing that was
/// written and the run resumes where it stopped.
public final class RunStore: Sendable {
    public let folder: String
    private let db: DatabaseQueue

    /// Where a cycle stands.
    public enum Phase: String, Sendable, CaseIterable {
        case generate, verify, filter, train, done
    }

    public struct StoredSample: Sendable {
        public var id: Int64
        public var cycle: Int
        public var promptID: String
        public var index: Int
        public var completion: String
        public var reward: Double?
        public var kept: Bool
    }

    public struct CycleRecord: Sendable {
        public var cycle: Int
        public var phase: Phase
        public var adapter: String?
        public var metrics: CycleMetrics
    }

    /// Opens (or creates) the run in `folder`.
    public init(folder: String) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        db = try DatabaseQueue(path: folder + "/run.sqlite", configuration: configuration)
        try db.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE prompt (
                    id TEXT PRIMARY KEY, position INTEGER NOT NULL, split TEXT NOT NULL, prompt TEXT NOT NULL,
                    task TEXT NOT NULL);
                CREATE TABLE sample (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, cycle INTEGER NOT NULL, prompt_id TEXT NOT NULL REFERENCES prompt(id),
                    sample_index INTEGER NOT NULL, completion TEXT NOT NULL, completion_tokens INTEGER NOT NULL,
                    finish_reason TEXT NOT NULL, reward REAL, outcome TEXT, detail TEXT, tests_passed INTEGER,
                    tests_total INTEGER, kept INTEGER NOT NULL DEFAULT 0,
                    UNIQUE (cycle, prompt_id, sample_index));
                CREATE INDEX sample_unverified ON sample (cycle) WHERE reward IS NULL;
                CREATE TABLE cycle (
                    cycle INTEGER PRIMARY KEY, phase TEXT NOT NULL, adapter TEXT, metrics TEXT NOT NULL DEFAULT '{}');
                CREATE TABLE train_step (
                    cycle INTEGER NOT NULL, step INTEGER NOT NULL, loss REAL, grad_norm REAL, lr REAL, tokens INTEGER,
                    tokens_per_second REAL, PRIMARY KEY (cycle, step));
                """)
        }
        try migrator.migrate(db)
    }

    // MARK: run settings

    public func setting(_ key: String) throws -> String? {
        try db.read { db in try String.fetchOne(db, sql: "SELECT value FROM run WHERE key = ?", arguments: [key]) }
    }

    public func setSetting(_ key: String, _ value: String) throws {
        try db.write { db in
            try db.execute(sql: "INSERT INTO run (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", arguments: [key, value])
        }
    }

    // MARK: prompts

    /// Stores the run's prompts once; later calls keep the first set.
    public func storePrompts(_ prompts: [(id: String, split: String, prompt: String, task: JSONValue)]) throws {
        try db.write { db in
            for (position, p) in prompts.enumerated() {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO prompt (id, position, split, prompt, task) VALUES (?, ?, ?, ?, ?)",
                    arguments: [p.id, position, p.split, p.prompt, p.task.serialized])
            }
        }
    }

    public func promptCount() throws -> Int {
        try db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM prompt") ?? 0 }
    }

    // MARK: samples

    /// Prompt ids of `cycle` that already have their samples (written per prompt in one transaction).
    public func promptsWithSamples(cycle: Int) throws -> Set<String> {
        try db.read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT prompt_id FROM sample WHERE cycle = ?", arguments: [cycle]))
        }
    }

    /// Writes the samples of a batch of prompts in one transaction.
    public func storeSamples(cycle: Int, _ samples: [(promptID: String, index: Int, completion: String, tokens: Int, finishReason: String)]) throws {
        try db.write { db in
            for s in samples {
                try db.execute(
                    sql: """
                        INSERT INTO sample (cycle, prompt_id, sample_index, completion, completion_tokens, finish_reason)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [cycle, s.promptID, s.index, s.completion, s.tokens, s.finishReason])
            }
        }
    }

    public func samples(cycle: Int, unverifiedOnly: Bool = false) throws -> [StoredSample] {
        try db.read { db in
            let sql = "SELECT id, cycle, prompt_id, sample_index, completion, reward, kept FROM sample WHERE cycle = ?"
                + (unverifiedOnly ? " AND reward IS NULL" : "") + " ORDER BY id"
            return try Row.fetchAll(db, sql: sql, arguments: [cycle]).map { row in
                StoredSample(
                    id: row["id"], cycle: row["cycle"], promptID: row["prompt_id"], index: row["sample_index"],
                    completion: row["completion"], reward: row["reward"], kept: (row["kept"] as Int) != 0)
            }
        }
    }

    /// This cycle's prompts that have samples without a verdict.
    public func promptsWithUnverifiedSamples(cycle: Int) throws -> Set<String> {
        try db.read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT prompt_id FROM sample WHERE cycle = ? AND reward IS NULL", arguments: [cycle]))
        }
    }

    /// Each sample's prompt, index and reward (nil: not verified), in storage order, without the
    /// completions: what the prompt policy reads, cheap enough to read after every request.
    public func rewards(cycle: Int) throws -> [(promptID: String, index: Int, reward: Double?)] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT prompt_id, sample_index, reward FROM sample WHERE cycle = ? ORDER BY id", arguments: [cycle]).map {
                (promptID: $0["prompt_id"], index: $0["sample_index"], reward: $0["reward"])
            }
        }
    }

    public func storeVerdict(sampleID: Int64, _ verdict: Verdict) throws {
        try db.write { db in
            try db.execute(
                sql: "UPDATE sample SET reward = ?, outcome = ?, detail = ?, tests_passed = ?, tests_total = ? WHERE id = ?",
                arguments: [verdict.reward, verdict.outcome.rawValue, verdict.detail, verdict.testsPassed, verdict.testsTotal, sampleID])
        }
    }

    public func markKept(cycle: Int, sampleIDs: [Int64]) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE sample SET kept = 0 WHERE cycle = ?", arguments: [cycle])
            for id in sampleIDs { try db.execute(sql: "UPDATE sample SET kept = 1 WHERE id = ?", arguments: [id]) }
        }
    }

    /// (samples, distinct (prompt, index) pairs) of a cycle: equal when nothing is duplicated.
    public func sampleCounts(cycle: Int) throws -> (total: Int, distinct: Int) {
        try db.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sample WHERE cycle = ?", arguments: [cycle]) ?? 0
            let distinct = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM (SELECT DISTINCT prompt_id, sample_index FROM sample WHERE cycle = ?)", arguments: [cycle]) ?? 0
            return (total, distinct)
        }
    }

    // MARK: cycles

    public func cycles() throws -> [CycleRecord] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT cycle, phase, adapter, metrics FROM cycle ORDER BY cycle").map { row in
                let metrics = (try? JSONValue.parse(Data((row["metrics"] as String).utf8)))?.objectValue ?? [:]
                return CycleRecord(
                    cycle: row["cycle"], phase: Phase(rawValue: row["phase"]) ?? .generate, adapter: row["adapter"], metrics: CycleMetrics(json: metrics))
            }
        }
    }

    /// Each started cycle's phase.
    public func phases() throws -> [Int: Phase] {
        try db.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT cycle, phase FROM cycle").map {
                ($0["cycle"] as Int, Phase(rawValue: $0["phase"]) ?? .generate)
            })
        }
    }

    public func setPhase(cycle: Int, _ phase: Phase) throws {
        try db.write { db in
            try db.execute(
                sql: "INSERT INTO cycle (cycle, phase) VALUES (?, ?) ON CONFLICT(cycle) DO UPDATE SET phase = excluded.phase",
                arguments: [cycle, phase.rawValue])
        }
    }

    /// Merges the fields `metrics` sets into the cycle's metrics.
    public func addMetrics(cycle: Int, _ metrics: CycleMetrics) throws {
        try addMetrics(cycle: cycle, metrics.json)
    }

    /// Merges `metrics` (stored keys) into the cycle's metrics.
    public func addMetrics(cycle: Int, _ metrics: [String: JSONValue]) throws {
        try db.write { db in try Self.merge(metrics, cycle: cycle, db) }
    }

    private static func merge(_ metrics: [String: JSONValue], cycle: Int, _ db: Database) throws {
        let current = try String.fetchOne(db, sql: "SELECT metrics FROM cycle WHERE cycle = ?", arguments: [cycle]) ?? "{}"
        var merged = (try? JSONValue.parse(Data(current.utf8)))?.objectValue ?? [:]
        merged.merge(metrics) { _, new in new }
        try db.execute(sql: "UPDATE cycle SET metrics = ? WHERE cycle = ?", arguments: [JSONValue.object(merged).serialized, cycle])
    }

    /// Records a finished sampling: its metrics and the phase `verify`, in one transaction.
    public func finishSampling(cycle: Int, metrics: CycleMetrics) throws {
        try db.write { db in
            try Self.merge(metrics.json, cycle: cycle, db)
            try db.execute(sql: "UPDATE cycle SET phase = ? WHERE cycle = ?", arguments: [Phase.verify.rawValue, cycle])
        }
    }

    /// Records a finished filter: the kept samples, its metrics and the phase `train`, in one transaction.
    public func finishFiltering(cycle: Int, keptIDs: [Int64], metrics: CycleMetrics) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE sample SET kept = 0 WHERE cycle = ?", arguments: [cycle])
            for id in keptIDs { try db.execute(sql: "UPDATE sample SET kept = 1 WHERE id = ?", arguments: [id]) }
            try Self.merge(metrics.json, cycle: cycle, db)
            try db.execute(sql: "UPDATE cycle SET phase = ? WHERE cycle = ?", arguments: [Phase.train.rawValue, cycle])
        }
    }

    /// Records a finished training: its steps, the adapter and the phase, in one transaction.
    public func finishTraining(cycle: Int, adapter: String?, steps: [(step: Int, loss: Double, gradNorm: Double, lr: Double, tokens: Int, tokensPerSecond: Double)], metrics: CycleMetrics) throws {
        try finishTraining(cycle: cycle, adapter: adapter, steps: steps, metrics: metrics.json)
    }

    public func finishTraining(cycle: Int, adapter: String?, steps: [(step: Int, loss: Double, gradNorm: Double, lr: Double, tokens: Int, tokensPerSecond: Double)], metrics: [String: JSONValue]) throws {
        try db.write { db in
            try db.execute(sql: "DELETE FROM train_step WHERE cycle = ?", arguments: [cycle])
            for s in steps {
                try db.execute(
                    sql: "INSERT INTO train_step (cycle, step, loss, grad_norm, lr, tokens, tokens_per_second) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [cycle, s.step, s.loss, s.gradNorm, s.lr, s.tokens, s.tokensPerSecond])
            }
            try Self.merge(metrics, cycle: cycle, db)
            try db.execute(sql: "UPDATE cycle SET adapter = ?, phase = ? WHERE cycle = ?", arguments: [adapter, Phase.done.rawValue, cycle])
        }
    }

    /// Every stored training step, in cycle and step order (a cycle's steps land when its training ends).
    public func trainingSteps() throws -> [(cycle: Int, step: Int, loss: Double?, gradNorm: Double?, lr: Double?, tokensPerSecond: Double?)] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT cycle, step, loss, grad_norm, lr, tokens_per_second FROM train_step ORDER BY cycle, step").map {
                (cycle: $0["cycle"], step: $0["step"], loss: $0["loss"], gradNorm: $0["grad_norm"], lr: $0["lr"], tokensPerSecond: $0["tokens_per_second"])
            }
        }
    }

    // MARK: export

    /// Every sample as JSONL (cycle, prompt_id, sample, completion, reward, outcome, detail, kept).
    public func exportSamples(to path: String) throws -> Int {
        let rows = try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sample ORDER BY cycle, prompt_id, sample_index")
        }
        var text = ""
        for row in rows {
            var fields: [(key: String, value: JSONValue)] = [
                ("cycle", .int(row["cycle"])), ("prompt_id", .string(row["prompt_id"])), ("sample", .int(row["sample_index"])),
                ("completion", .string(row["completion"])), ("completion_tokens", .int(row["completion_tokens"])),
                ("finish_reason", .string(row["finish_reason"])), ("kept", .bool((row["kept"] as Int) != 0)),
            ]
            if let reward = row["reward"] as Double? { fields.append(("reward", .double(reward))) }
            if let outcome = row["outcome"] as String? { fields.append(("outcome", .string(outcome))) }
            if let detail = row["detail"] as String? { fields.append(("detail", .string(detail))) }
            JSONValue.writeObject(fields, to: &text)
            text += "\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return rows.count
    }
}
