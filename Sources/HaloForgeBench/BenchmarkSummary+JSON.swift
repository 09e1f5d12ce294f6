public import HaloForgeCore

extension BenchmarkSummary {
    /// Reads back what `json` wrote.
    public init(json: JSONValue) {
        let passes = (json["pass_at_k"]?.objectValue ?? [:]).compactMap { key, value -> (k: Int, value: Double)? in
            guard let k = Int(key.dropFirst("pass@".count)), let v = value.doubleValue else { return nil }
            return (k, v)
        }.sorted { $0.k < $1.k }
        self.init(
            dataset: json["dataset"]?.stringValue ?? "", passAtK: passes, compileRate: json["compile_rate"]?.doubleValue ?? 0,
            meanReward: json["mean_reward"]?.doubleValue ?? 0, samples: json["samples"]?.intValue ?? 0, problems: [],
            seconds: json["seconds"]?.doubleValue ?? 0)
        func interval(_ key: String) -> Interval? {
            guard let pair = json[key]?.arrayValue, pair.count == 2, let low = pair[0].doubleValue, let high = pair[1].doubleValue else { return nil }
            return Interval(low: low, high: high)
        }
        pass1Interval = interval("pass_at_1_ci95")
        compileInterval = interval("compile_rate_ci95")
    }
}
