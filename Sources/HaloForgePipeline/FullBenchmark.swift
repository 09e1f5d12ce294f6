internal import Foundation
public import HaloForgeBench
public import HaloForgeCore
public import HaloForgeData
public import HaloForgeEngine
public import HaloForgeRAFT
public import HaloForgeVerify

/// Baseline benchmark on held-out tasks → RAFT cycles on training tasks (held-out tasks are
/// never trained on) → a benchmark after every cycle; a table, JSON, plots and an HTML page
/// in the run folder. Every evaluation is stored in the run, so a resumed run skips it.
public enum FullBenchmark {
    public struct Settings: Sendable {
        public var raft: RAFTConfiguration
        public var evalSamples = 4
        /// Held-out evaluation after every Nth cycle and after the last (the baseline always):
        /// an evaluation costs about a cycle's sampling, so a run on a budget measures the ends.
        public var evaluateEvery = 1
        public var evalTemperature = 0.2
        public var ks = [1]
        public var jobs = 2

        public init(raft: RAFTConfiguration) { self.raft = raft }
    }

    /// One line of the table: held-out scores after a stage, and the training that led there.
    public struct Row: Sendable {
        public var stage: String
        public var heldOut: BenchmarkSummary
        public var cycle: [String: JSONValue]
    }

    public static func run(
        _ settings: Settings, store: RunStore, engine: Engine, verifier: Verifier, train: [BenchmarkTask], heldOut: [BenchmarkTask],
        metrics: any MetricsSink = NoMetrics(), generator: (any Generator)? = nil, log: @escaping @Sendable (String) -> Void
    ) async throws -> [Row] {
        let trainIDs = Set(train.map(\.id))
        precondition(heldOut.allSatisfy { !trainIDs.contains($0.id) }, "held-out tasks must not be trained on")
        try store.setSetting("heldout_tasks", heldOut.map(\.id).joined(separator: "\n"))
        let evaluate: @Sendable (String) async throws -> Void = { key in
            if try store.setting("eval:" + key) != nil { return }
            let summary = try await Evaluation.run(
                label: key, tasks: heldOut, engine: generator ?? engine, verifier: verifier, jobs: settings.jobs, samples: settings.evalSamples,
                temperature: settings.evalTemperature, maxNewTokens: settings.raft.maxNewTokens, seed: settings.raft.seed + 999,
                ks: settings.ks, log: log)
            try store.setSetting("eval:" + key, summary.json.serialized)
            log("\(key): held-out " + summary.passAtK.map { String(format: "pass@%d %.1f%%", $0.k, 100 * $0.value) }.joined(separator: ", ")
                + String(format: ", compile %.1f%%, mean reward %.3f", 100 * summary.compileRate, summary.meanReward))
        }
        let loop = RAFTLoop(
            configuration: settings.raft, store: store, engine: engine, verifier: verifier, tasks: train, jobs: settings.jobs, generator: generator, log: log)
        _ = try await loop.run(
            ready: {
                try await evaluate("baseline")
                try metrics.replay(store)
            },
            afterCycle: { cycle in
                if evaluates(afterCycle: cycle, every: settings.evaluateEvery, of: settings.raft.cycles) {
                    try await evaluate("cycle-\(cycle + 1)")
                }
                try metrics.replay(store)
            })
        let rows = try self.rows(store: store, cycles: settings.raft.cycles)
        try write(rows, settings: settings, folder: store.folder)
        return rows
    }

    /// Whether the held-out tasks are measured after `cycle` (0-based): every `every`th, and the last.
    static func evaluates(afterCycle cycle: Int, every: Int, of cycles: Int) -> Bool {
        (cycle + 1) % max(every, 1) == 0 || cycle + 1 == cycles
    }

    static func rows(store: RunStore, cycles: Int) throws -> [Row] {
        let records = try store.cycles()
        var rows: [Row] = []
        for (i, key) in (["baseline"] + (1...max(cycles, 1)).map { "cycle-\($0)" }).enumerated() where i == 0 || i <= cycles {
            guard let text = try store.setting("eval:" + key), let json = try? JSONValue.parse(Data(text.utf8)) else { continue }
            let cycle = i == 0 ? [:] : (records.first { $0.cycle == i - 1 }?.metrics.json ?? [:])
            rows.append(Row(stage: key, heldOut: BenchmarkSummary(json: json), cycle: cycle))
        }
        return rows
    }

    /// The terminal table; held-out numbers carry their 95 % bootstrap interval over tasks.
    public static func table(_ rows: [Row]) -> String {
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        // Held-out columns first (each with its 95 % interval), then the cycle's training.
        var lines = [pad("stage", 11) + pad("compile [95% CI]", 22) + pad("pass@1 [95% CI]", 22) + "reward  | train kept  loss     grad norm  time"]
        for row in rows {
            let m = row.cycle
            let pass1 = row.heldOut.passAtK.first { $0.k == 1 }?.value ?? 0
            var line = pad(row.stage, 11)
                + pad(String(format: "%5.1f%% ", 100 * row.heldOut.compileRate) + (row.heldOut.compileInterval?.percent ?? ""), 22)
                + pad(String(format: "%5.1f%% ", 100 * pass1) + (row.heldOut.pass1Interval?.percent ?? ""), 22)
                + String(format: "%6.3f  |", row.heldOut.meanReward)
            if m.isEmpty {
                line += "           -        -          -"
            } else {
                let loss = m["loss"]?.doubleValue.map { String(format: "%.4f", $0) } ?? "-"
                let gradNorm = m["grad_norm"]?.doubleValue.map { String(format: "%.3f", $0) } ?? "-"
                line += String(format: " %10d  ", m["kept"]?.intValue ?? 0) + loss.padding(toLength: 7, withPad: " ", startingAt: 0) + "  "
                    + gradNorm.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: "  %.0f s", m["seconds"]?.doubleValue ?? 0)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// One line comparing the first and last stage, and whether the pass@1 intervals overlap.
    public static func verdict(_ rows: [Row]) -> String? {
        guard let first = rows.first, let last = rows.last, rows.count > 1 else { return nil }
        let p0 = first.heldOut.passAtK.first { $0.k == 1 }?.value ?? 0, p1 = last.heldOut.passAtK.first { $0.k == 1 }?.value ?? 0
        var text = String(
            format: "baseline → final (held-out): compile rate %.1f%% → %.1f%% (%+.1f points), pass@1 %.1f%% → %.1f%% (%+.1f points)",
            100 * first.heldOut.compileRate, 100 * last.heldOut.compileRate, 100 * (last.heldOut.compileRate - first.heldOut.compileRate),
            100 * p0, 100 * p1, 100 * (p1 - p0))
        if let a = first.heldOut.pass1Interval, let b = last.heldOut.pass1Interval {
            text += "; pass@1 95% intervals " + (b.low > a.high ? "do not overlap (a clear gain)" : a.low > b.high ? "do not overlap (a clear loss)" : "overlap (not a clear difference)")
        }
        return text
    }

    static func write(_ rows: [Row], settings: Settings, folder: String) throws {
        func ci(_ interval: Interval?) -> JSONValue { interval.map { .array([.double($0.low), .double($0.high)]) } ?? .null }
        let stages = rows.map(\.stage)
        let pass1 = rows.map { row in row.heldOut.passAtK.first { $0.k == 1 }?.value }
        let summary: JSONValue = .object([
            "stages": .array(rows.map { row in
                .object(["stage": .string(row.stage), "held_out": row.heldOut.json, "cycle": .object(row.cycle)])
            }),
            "baseline_pass_at_1": pass1.first.flatMap { $0 }.map(JSONValue.double) ?? .null,
            "final_pass_at_1": pass1.last.flatMap { $0 }.map(JSONValue.double) ?? .null,
            "baseline_pass_at_1_ci95": ci(rows.first?.heldOut.pass1Interval), "final_pass_at_1_ci95": ci(rows.last?.heldOut.pass1Interval),
            "baseline_compile_rate_ci95": ci(rows.first?.heldOut.compileInterval), "final_compile_rate_ci95": ci(rows.last?.heldOut.compileInterval),
            "baseline_compile_rate": rows.first.map { .double($0.heldOut.compileRate) } ?? .null,
            "final_compile_rate": rows.last.map { .double($0.heldOut.compileRate) } ?? .null,
            "config": .string(settings.raft.yaml),
        ])
        try Data((summary.serialized + "\n").utf8).write(to: URL(fileURLWithPath: folder + "/summary.json"))
        let plots = [
            ("compile_rate.svg", Report.lineChart(title: "Held-out compile rate", xLabels: stages, series: [("compile rate", rows.map { $0.heldOut.compileRate })], percent: true)),
            ("pass_at_1.svg", Report.lineChart(title: "Held-out pass@1", xLabels: stages, series: [("pass@1", pass1)], percent: true)),
            ("mean_reward.svg", Report.lineChart(title: "Held-out mean reward", xLabels: stages, series: [("held-out", rows.map { $0.heldOut.meanReward }), ("training samples", rows.map { $0.cycle["mean_reward"]?.doubleValue })], percent: false)),
            ("loss.svg", Report.lineChart(title: "Training loss and kept samples", xLabels: stages, series: [("loss", rows.map { $0.cycle["loss"]?.doubleValue }), ("grad norm", rows.map { $0.cycle["grad_norm"]?.doubleValue })], percent: false)),
        ]
        for (name, svg) in plots { try Data(svg.utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        var headline = String(
            format: "Held-out pass@1 %.1f%% → %.1f%%, compile rate %.1f%% → %.1f%% over %d cycle(s) of RAFT on %@.",
            100 * (pass1.first.flatMap { $0 } ?? 0), 100 * (pass1.last.flatMap { $0 } ?? 0), 100 * (rows.first?.heldOut.compileRate ?? 0),
            100 * (rows.last?.heldOut.compileRate ?? 0), max(rows.count - 1, 0), settings.raft.model)
        if let verdict = verdict(rows) { headline += " " + verdict.prefix(1).uppercased() + verdict.dropFirst() + "." }
        let tableRows = rows.map { row -> [String] in
            let m = row.cycle
            return [
                row.stage, String(format: "%.1f%% ", 100 * row.heldOut.compileRate) + (row.heldOut.compileInterval?.percent ?? ""),
                String(format: "%.1f%% ", 100 * (row.heldOut.passAtK.first { $0.k == 1 }?.value ?? 0)) + (row.heldOut.pass1Interval?.percent ?? ""),
                String(format: "%.3f", row.heldOut.meanReward),
                m["kept"].map { $0.serialized } ?? "-", m["loss"]?.doubleValue.map { String(format: "%.4f", $0) } ?? "-",
                m["grad_norm"]?.doubleValue.map { String(format: "%.3f", $0) } ?? "-", m["seconds"]?.doubleValue.map { String(format: "%.0f s", $0) } ?? "-",
            ]
        }
        let html = Report.html(
            title: "halo-forge RAFT report", headline: headline,
            header: ["stage", "held-out compile [95% CI]", "pass@1 [95% CI]", "mean reward", "kept", "loss", "grad norm", "time"], rows: tableRows,
            svgs: plots.map(\.1))
        try Data(html.utf8).write(to: URL(fileURLWithPath: folder + "/report.html"))
    }
}

extension FullBenchmark {
    /// `run` inside the run's environment: trackers, the engine, the generator.
    public static func run(
        _ settings: Settings, store: RunStore, verifier: Verifier, train: [BenchmarkTask], heldOut: [BenchmarkTask], environment: RunEnvironment
    ) async throws -> [Row] {
        try await environment.run(folder: store.folder, settings: settings.raft) { engine, generator, metrics in
            try await run(settings, store: store, engine: engine, verifier: verifier, train: train, heldOut: heldOut, metrics: metrics, generator: generator) {
                Terminal.note($0)
            }
        }
    }

    /// `benchmark full` on an opened run: its training and held-out tasks (the first `limit` of
    /// each when above 0), the cycles with a benchmark after each, then the table, the verdict
    /// and where the report went, printed.
    public static func run(
        _ run: OpenedRun, limit: Int, evalSamples: Int, evaluateEvery: Int = 1, jobs: Int, verifier: Verifier, environment: RunEnvironment
    ) async throws {
        var (train, heldOut) = (run.tasks.train, run.tasks.heldOut)
        guard !train.isEmpty, !heldOut.isEmpty else {
            throw CommandError("\(run.tasks.source): \(train.count) training and \(heldOut.count) held-out tasks: both sides need at least one")
        }
        if limit > 0 { (train, heldOut) = (Array(train.prefix(limit)), Array(heldOut.prefix(limit))) }
        Terminal.note("\(run.tasks.source): \(train.count) training tasks, \(heldOut.count) held-out tasks")
        var settings = Settings(raft: run.settings)
        (settings.evalSamples, settings.evaluateEvery, settings.jobs) = (evalSamples, evaluateEvery, jobs)
        let rows = try await self.run(settings, store: run.store, verifier: verifier, train: train, heldOut: heldOut, environment: environment)
        print(table(rows))
        if let verdict = verdict(rows) { print(verdict) }
        let folder = run.store.folder
        print("report: \(folder)/report.html · summary: \(folder)/summary.json · samples: \(folder)/samples.jsonl")
    }
}
