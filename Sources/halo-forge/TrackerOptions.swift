import ArgumentParser
import Foundation
import HaloForgeCore
import HaloForgeEngine
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

/// Runs `body` with the trackers started under `runFolder/trackers` (or none when `trackers` is
/// empty) and closes them whatever happens; a tracker that cannot start stops the command here.
func withTrackers<T: Sendable>(
    _ trackers: [String], runFolder: String, settings: [String: JSONValue], _ body: (any MetricsSink) async throws -> T
) async throws -> T {
    guard !trackers.isEmpty else { return try await body(NoMetrics()) }
    let reporter: TrackerReporter
    do {
        let environment = try PythonEnvironment.prepare { Terminal.note($0) }
        let name = URL(fileURLWithPath: runFolder).standardizedFileURL.lastPathComponent
        reporter = try await TrackerReporter.start(
            trackers, folder: runFolder + "/trackers", name: name, environment: environment) { Terminal.note($0) }
    } catch {
        throw CommandError("\(error)")
    }
    Terminal.note("trackers: " + reporter.locations.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }.joined(separator: ", "))
    reporter.settings(settings)
    do {
        let result = try await body(reporter)
        await reporter.close()
        return result
    } catch {
        await reporter.close()
        throw error
    }
}
