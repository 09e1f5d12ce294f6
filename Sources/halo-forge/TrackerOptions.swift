import ArgumentParser
import HaloForgeRAFT

/// `--report-to`, shared by the commands that train.
struct TrackerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Also write metrics to tensorboard, wandb (offline) or mlflow (file store) under RUN/trackers; repeatable (default: report_to in --config, else none).", valueName: "tracker")) var reportTo: [String] = []

    func validate() throws {
        do { try TrackerReporter.check(reportTo) } catch { throw ValidationError("\(error)") }
    }

    /// The flag's trackers, or nil when none is given (so a file's report_to stays).
    var overrides: [String]? { reportTo.isEmpty ? nil : TrackerReporter.chosen(flag: reportTo, settings: nil) }

    /// The trackers to use: the flag's when given (also on a resumed run), else the settings'.
    func trackers(settings: [String]?) -> [String] { TrackerReporter.chosen(flag: reportTo, settings: settings) }
}
