internal import Foundation
public import HaloForgeCore
public import HaloForgeData
public import HaloForgeVerify

/// One problem's samples, scored.
public struct ProblemResult: Sendable {
    public var taskID: String
    public var samples: Int
    public var correct: Int
    public var compiled: Int
    public var meanReward: Double
}

/// A benchmark's numbers: pass@k, compile rate, mean reward, per problem.
public struct BenchmarkSummary: Sendable {
    public var dataset: String
    public var passAtK: [(k: Int, value: Double)]
    public var compileRate: Double
    public var meanReward: Double
    public var samples: Int
    public var problems: [ProblemResult]
    public var seconds: Double
    /// Problems without tests: they count toward the compile rate and mean reward, not pass@k.
    public var untested: Int = 0
    /// 95 % bootstrap interval over tested problems of pass@1 (per-problem pass@1, averaged).
    public var pass1Interval: Interval? = nil
    /// 95 % bootstrap interval over problems of the compile rate.
    public var compileInterval: Interval? = nil

    public var json: JSONValue {
        .object([
            "dataset": .string(dataset),
            "pass_at_k": .object(Dictionary(uniqueKeysWithValues: passAtK.map { ("pass@\($0.k)", JSONValue.double($0.value)) })),
            "compile_rate": .double(compileRate), "mean_reward": .double(meanReward), "samples": .int(samples),
            "problems": .int(problems.count), "untested_problems": .int(untested), "seconds": .double(seconds),
            "pass_at_1_ci95": pass1Interval.map { .array([.double($0.low), .double($0.high)]) } ?? .null,
            "compile_rate_ci95": compileInterval.map { .array([.double($0.low), .double($0.high)]) } ?? .null,
            "per_problem": .array(problems.map {
                .object([
                    "task_id": .string($0.taskID), "samples": .int($0.samples), "correct": .int($0.correct),
                    "compiled": .int($0.compiled), "mean_reward": .double($0.meanReward),
                ])
            }),
        ])
    }

    /// A short table a person can read.
    public var table: String {
        var rows = passAtK.map { p in
            ("pass@\(p.k)", String(format: "%.3f", p.value) + (p.k == 1 ? pass1Interval.map { String(format: "  95%% CI [%.3f, %.3f]", $0.low, $0.high) } ?? "" : ""))
        }
        if passAtK.isEmpty && untested == problems.count { rows.append(("pass@k", "- (no problem has tests)")) }
        rows += [
            ("compile rate", String(format: "%.3f", compileRate) + (compileInterval.map { String(format: "  95%% CI [%.3f, %.3f]", $0.low, $0.high) } ?? "")), ("mean reward", String(format: "%.3f", meanReward)),
            ("problems", "\(problems.count)" + (untested > 0 ? " (\(untested) without tests: not in pass@k)" : "")), ("samples", "\(samples)"), ("time", String(format: "%.1f s", seconds)),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
    }
}

extension BenchmarkSummary {
    /// Fills in the 95 % intervals from the per-problem counts (`tested`: the problems with tests).
    mutating func addIntervals(tested: [(n: Int, c: Int)]) {
        pass1Interval = tested.isEmpty ? nil : Bootstrap.mean(tested.map { PassAtK.estimate(n: $0.n, c: $0.c, k: 1) })
        let scored = problems.filter { $0.samples > 0 }
        compileInterval = Bootstrap.ratio(hits: scored.map(\.compiled), totals: scored.map(\.samples))
    }
}

public enum Benchmark {
    /// Verifies every completion of every task (up to `jobs` at a time) and scores them.
    /// A sample is correct at reward 1.0 and compiled when it got past the compile rung.
    public static func score(
        dataset: String, tasks: [BenchmarkTask], completions: [String: [String]], verifier: some SampleVerifier, jobs: Int, ks: [Int],
        progress: @escaping @Sendable (Verdict) -> Void = { _ in }
    ) async -> BenchmarkSummary {
        let started = Date()
        var work: [(task: Int, sample: Sample)] = []
        for (t, task) in tasks.enumerated() {
            for (i, completion) in (completions[task.id] ?? []).enumerated() {
                work.append((t, task.sample(completion: completion, index: i)))
            }
        }
        let verdicts = await verifier.verifyAll(work.map(\.sample), jobs: jobs) { progress($0.verdict) }
        var perTask = Array(repeating: [Verdict](), count: tasks.count)
        for (item, verdict) in zip(work, verdicts) { perTask[item.task].append(verdict) }
        let problems = tasks.enumerated().map { t, task in
            let v = perTask[t]
            return ProblemResult(
                taskID: task.id, samples: v.count, correct: v.filter { $0.reward >= 1.0 }.count,
                compiled: v.filter { ![.syntaxError, .importError, .error].contains($0.outcome) }.count,
                meanReward: v.isEmpty ? 0 : v.map(\.reward).reduce(0, +) / Double(v.count))
        }
        let all = verdicts
        // A problem without tests cannot reach reward 1.0: counting it would only lower pass@k.
        let counts = zip(problems, tasks).filter { $0.0.samples > 0 && $0.1.hasTests }.map { (n: $0.0.samples, c: $0.0.correct) }
        var summary = BenchmarkSummary(
            dataset: dataset, passAtK: ks.compactMap { k in PassAtK.mean(counts, k: k).map { (k, $0) } },
            compileRate: all.isEmpty ? 0 : Double(problems.map(\.compiled).reduce(0, +)) / Double(all.count),
            meanReward: all.isEmpty ? 0 : all.map(\.reward).reduce(0, +) / Double(all.count), samples: all.count,
            problems: problems, seconds: Date().timeIntervalSince(started), untested: tasks.filter { !$0.hasTests }.count)
        summary.addIntervals(tested: counts)
        return summary
    }

    /// Completions from a JSONL file: `task_id` (or an `id` like "TASK#k"; a string or an
    /// integer) and `completion` (or `code`), any number per task, keyed by the id as written.
    public static func readCompletions(_ path: String) throws -> [String: [String]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw DatasetError("cannot read \(path)") }
        var completions: [String: [String]] = [:]
        for line in JSONLines.lines(in: data) {
            guard let object = try? JSONLines.object(line) else { throw DatasetError("\(path): line \(line.number): invalid JSON") }
            func id(_ key: String) -> String? { object[key]?.stringValue ?? object[key]?.intValue.map(String.init) }
            guard let id = (id("task_id") ?? id("id")).map({ $0.split(separator: "#").first.map(String.init) ?? $0 }) else {
                throw DatasetError("\(path): line \(line.number): missing field 'task_id' (a string or an integer)")
            }
            guard let completion = object["completion"]?.stringValue ?? object["code"]?.stringValue else {
                throw DatasetError("\(path): line \(line.number): missing field 'completion'")
            }
            completions[id, default: []].append(completion)
        }
        return completions
    }

    /// Completions keyed by the tasks' ids. An id matches a task's id exactly, else ignoring
    /// case (evalplus writes `Mbpp/2` for `MBPP/2`), else by its number alone when one task's id
    /// ends in that number (MBPP's integer `task_id`, `"2"`). A file that matches no task is an
    /// error; ids that match none are named on `unmatched`.
    public static func match(
        _ completions: [String: [String]], to tasks: [BenchmarkTask], file: String, unmatched: (String) -> Void = { _ in }
    ) throws -> [String: [String]] {
        let exact = Set(tasks.map(\.id))
        var folded: [String: String] = [:]
        var byNumber: [String: [String]] = [:]
        for task in tasks {
            folded[task.id.lowercased(), default: task.id] = task.id
            if let number = task.id.split(whereSeparator: { !$0.isNumber }).last, task.id.hasSuffix(number) {
                byNumber[String(Int(number) ?? -1), default: []].append(task.id)
            }
        }
        var matched: [String: [String]] = [:]
        var missed: [String] = []
        for (id, texts) in completions.sorted(by: { $0.key < $1.key }) {
            var target: String?
            if exact.contains(id) {
                target = id
            } else if let t = folded[id.lowercased()] {
                target = t
            } else if let number = Int(id.split(separator: "/").last ?? ""), let candidates = byNumber[String(number)], candidates.count == 1,
                !id.contains("/") || candidates[0].lowercased().hasPrefix(String(id.lowercased().split(separator: "/")[0]))
            {
                target = candidates[0]
            }
            if let target { matched[target, default: []] += texts } else { missed.append(id) }
        }
        if matched.isEmpty {
            let theirs = completions.keys.sorted().prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            let ours = tasks.prefix(3).map { "'\($0.id)'" }.joined(separator: ", ")
            throw DatasetError("\(file): no completion matches a problem (ids such as \(theirs); the problems' ids are such as \(ours))")
        }
        if !missed.isEmpty {
            unmatched("\(file): \(missed.count) ids match no problem: " + missed.prefix(5).joined(separator: ", ") + (missed.count > 5 ? ", …" : ""))
        }
        return matched
    }
}
