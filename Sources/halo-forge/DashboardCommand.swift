import ArgumentParser
import Foundation
import HaloForgeDashboard

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve a live web dashboard of runs and their samples (read-only).",
        discussion: """
            Pages: the runs list (model, dataset, cycles, held-out pass@1, state, wall time); a run
            page whose plots update as cycles end; per-prompt pass rate across cycles; a samples
            browser (filter by cycle, prompt, outcome, reward, kept; paged on the server); two runs
            compared. JSON: GET /api/runs, /api/runs/RUN/samples?cycle=&prompt=&outcome=&min_reward=
            &max_reward=&kept=&after=&limit=, /api/runs/RUN/samples/ID, /api/runs/RUN/live?points=N (waits for a new point),
            /api/runs/RUN/status (the phase, progress and time left). /runs/RUN?live=0: the
            run page without its live updates.
            Run stores are opened read-only, safe while a run writes. Listens on loopback unless
            --host says otherwise; any other address requires a token (--token, or one is made
            and printed), sent as ?token=, a cookie, or Authorization: Bearer.
            """)

    @Argument(help: "Run folders (each holds run.sqlite).") var runDirs: [String] = []
    @Option(help: "A folder of run folders; new runs in it appear without a restart.") var runs: String?
    @Option(help: "Address to listen on (127.0.0.1: this machine only).") var host: String = "127.0.0.1"
    @Option(help: "TCP port (0: a free one, printed on start).") var port: Int = 8080
    @Option(help: "Token every request must carry (default on a non-loopback --host: a random one, printed).") var token: String?

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if runDirs.isEmpty && runs == nil { throw ValidationError("name run folders, or --runs DIR") }
        for dir in runDirs where !FileManager.default.fileExists(atPath: dir + "/run.sqlite") {
            throw ValidationError("\(dir): no run.sqlite (not a run folder)")
        }
        if let runs, !FileManager.default.fileExists(atPath: runs) { throw ValidationError("--runs: \(runs) does not exist") }
        if let token, token.count < 8 { throw ValidationError("--token must be at least 8 characters") }
    }

    func run() async throws {
        var settings = Dashboard.Settings()
        (settings.runFolders, settings.runsRoot, settings.host, settings.port) = (runDirs, runs, host, port)
        settings.token = Dashboard.token(given: token, host: host)
        let dashboard: Dashboard
        do { dashboard = try Dashboard(settings: settings) } catch { throw CommandError("\(error)") }
        try await serveInForeground(
            "dashboard", host: host, port: port, run: { try await dashboard.run() }, boundPort: { try await dashboard.port() },
            stop: { await dashboard.stop() }
        ) { address in "dashboard at \(address)/\(settings.token.map { "?token=\($0)" } ?? "")" }
    }
}
