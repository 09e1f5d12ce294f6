import ArgumentParser
import HaloForgeRAFT

/// `--report-to`, shared by the commands that train.
struct TrackerOptions: ParsableArguments {
    @Option(
        name: .customLong("report-to"),
        help: ArgumentHelp(
            "Also write metrics to tensorboard, wandb (offline) or mlflow (file store) under RUN/trackers; repeatable (default: report_to in --config, else none).",
            valueName: "tracker"))
    var reportTo: [String] = []

    func validate() throws {
        if let bad = reportTo.first(where: { !TrackerReporter.names.contains($0) }) {
            throw ValidationError("--report-to: unknown tracker '\(bad)' (choose from \(TrackerReporter.names.joined(separator: ", ")))")
        }
    }

    /// The flag's trackers, or nil when none is given (so a file's report_to stays).
    var overrides: [String]? { reportTo.isEmpty ? nil : unique(reportTo) }

    /// The trackers to use: the flag's when given (also on a resumed run), else the settings'.
    func trackers(settings: [String]?) -> [String] { unique(reportTo.isEmpty ? settings ?? [] : reportTo) }

    private func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
