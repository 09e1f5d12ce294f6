internal import Foundation
public import HaloForgeCore

/// The step axis a scalar belongs to: optimizer steps, RAFT cycles, held-out benchmark stages
/// (0 is the baseline, N the benchmark after cycle N), or held-out losses at optimizer steps.
public enum MetricKind: String, Sendable, CaseIterable {
    case step, cycle, heldout, eval
}

/// Where a run's metrics go besides its own store (an experiment tracker). Calls arrive in the
/// order the run records them; a point at a step already sent may come again (a replay) and
/// must not be written twice.
public protocol MetricsSink: Sendable {
    /// The run's settings, as hyperparameters.
    func settings(_ values: [String: JSONValue])
    /// Scalars at one step of one axis, e.g. `.step`, 12, ["train/loss": 1.9].
    func record(_ kind: MetricKind, step: Int, _ values: [String: Double])
}

/// Sends nothing: the default where no tracker is chosen.
public struct NoMetrics: MetricsSink {
    public init() {}
    public func settings(_ values: [String: JSONValue]) {}
    public func record(_ kind: MetricKind, step: Int, _ values: [String: Double]) {}
}

extension MetricsSink {
    /// Sends everything `store` holds, in order: training steps (numbered across cycles from 1),
    /// finished cycles' numeric metrics (`cycle/<name>` at cycle N from 1) and held-out
    /// evaluations (`heldout/…` at stage 0 for the baseline, N after cycle N). Only what is stored
    /// is sent, so a cycle redone after a kill reports the values the store keeps.
    public func replay(_ store: RunStore) throws {
        for (position, s) in try store.trainingSteps().enumerated() {
            record(.step, step: position + 1, finite([
                "train/loss": s.loss, "train/grad_norm": s.gradNorm, "train/lr": s.lr, "train/tokens_per_second": s.tokensPerSecond,
            ]))
        }
        let cycles = try store.cycles()
        for c in cycles where c.phase == .done {
            record(.cycle, step: c.cycle + 1, finite(Dictionary(uniqueKeysWithValues: c.metrics.json.map { ("cycle/" + $0.key, $0.value.number) })))
        }
        for stage in 0...cycles.count {
            guard let text = try store.setting("eval:" + (stage == 0 ? "baseline" : "cycle-\(stage)")),
                  let json = try? JSONValue.parse(Data(text.utf8)) else { continue }
            var values: [String: Double?] = ["heldout/compile_rate": json["compile_rate"]?.number, "heldout/mean_reward": json["mean_reward"]?.number]
            // pass@k as pass_at_k: MLflow refuses '@' in metric names.
            for (key, value) in json["pass_at_k"]?.objectValue ?? [:] {
                values["heldout/" + key.replacingOccurrences(of: "pass@", with: "pass_at_")] = value.number
            }
            record(.heldout, step: stage, finite(values))
        }
    }

    private func finite(_ values: [String: Double?]) -> [String: Double] {
        values.compactMapValues { $0.flatMap { $0.isFinite ? $0 : nil } }
    }
}

extension JSONValue {
    /// A number (int or double) as a Double; nil for anything else, booleans included.
    fileprivate var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
}

extension Configurable {
    /// Every setting as a hyperparameter: numbers and booleans as such, lists and text as strings.
    public var hyperparameters: [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for setting in Self.settings {
            let yaml = setting.render(self)
            // The rendered YAML scalar is also a JSON value (quoted strings, numbers, lists, null).
            out[setting.key] = (try? JSONValue.parse(Data(yaml.utf8))) ?? .string(yaml)
        }
        return out
    }
}
