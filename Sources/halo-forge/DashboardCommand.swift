import ArgumentParser
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

    /// The dashboard's settings from the flags; the token is only drawn at start.
    var settings: Dashboard.Settings { Dashboard.Settings(runFolders: runDirs, runsRoot: runs, host: host, port: port, token: token) }

    func validate() throws {
        do { try settings.validate() } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        var settings = settings
        settings.token = Dashboard.token(given: token, host: host)
        let dashboard: Dashboard
        do { dashboard = try Dashboard(settings: settings) } catch { throw CommandError("\(error)") }
        try await serveInForeground(
            "dashboard", host: host, port: port, run: { try await dashboard.run() }, boundPort: { try await dashboard.port() },
            stop: { await dashboard.stop() }, ready: { address in "dashboard at \(address)/\(settings.token.map { "?token=\($0)" } ?? "")" })
    }
}
