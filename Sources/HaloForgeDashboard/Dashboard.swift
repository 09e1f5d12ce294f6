internal import FlyingFox
internal import FlyingSocks
internal import Foundation
internal import HaloForgeCore
internal import HaloForgeRender
internal import Synchronization

/// FlyingFox has a JSONValue of its own.
typealias JSONValue = HaloForgeCore.JSONValue

/// The web dashboard: a runs list, a live page per run, per-prompt pass rates, a samples
/// browser paged on the server, and two runs compared. Reads run stores read-only; no page
/// runs sample code, and every stored string reaches a page escaped.
public final class Dashboard: Sendable {
    public struct Settings: Sendable {
        /// Run folders named on the command line.
        public var runFolders: [String] = []
        /// A folder whose subfolders (and itself) are runs; scanned on every request, so new runs appear.
        public var runsRoot: String?
        public var host = "127.0.0.1"
        /// 0 picks a free port; `port()` tells which.
        public var port = 8080
        /// Required on every request when set (Bearer header, `?token=`, or the cookie a `?token=` visit sets).
        public var token: String?
        /// How long a run page's live request waits for a new point before answering anyway (seconds).
        public var liveWait = 20.0

        public init(runFolders: [String] = [], runsRoot: String? = nil, host: String = "127.0.0.1", port: Int = 8080, token: String? = nil) {
            (self.runFolders, self.runsRoot, self.host, self.port, self.token) = (runFolders, runsRoot, host, port, token)
        }

        /// Throws for the first setting the dashboard cannot serve with, named by its flag.
        public func validate() throws {
            if !(0...65535).contains(port) { throw DashboardError("--port must be between 0 and 65535") }
            if runFolders.isEmpty && runsRoot == nil { throw DashboardError("name run folders, or --runs DIR") }
            for dir in runFolders where !FileManager.default.fileExists(atPath: dir + "/run.sqlite") {
                throw DashboardError("\(dir): no run.sqlite (not a run folder)")
            }
            if let runsRoot, !FileManager.default.fileExists(atPath: runsRoot) { throw DashboardError("--runs: \(runsRoot) does not exist") }
            if let token, token.count < 8 { throw DashboardError("--token must be at least 8 characters") }
        }
    }

    public let settings: Settings
    private let http: HTTPServer
    private let readers = Mutex<[String: RunReader]>([:])
    private let clock = ProgressClock()

    public init(settings: Settings) throws {
        self.settings = settings
        let address: any SocketAddress
        do {
            address = settings.host.contains(":")
                ? try sockaddr_in6.inet6(ip6: settings.host, port: UInt16(settings.port))
                : try sockaddr_in.inet(ip4: settings.host, port: UInt16(settings.port))
        } catch {
            throw DashboardError("--host: '\(settings.host)' is not an IPv4 or IPv6 address")
        }
        http = HTTPServer(config: .init(address: address, timeout: 120, logger: .disabled))
    }

    /// Whether `host` is only reachable from this machine.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// A token for a dashboard reachable from other machines: 24 characters from an alphabet
    /// without look-alikes (no l, o, 0, 1), about 120 bits.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in "abcdefghijkmnpqrstuvwxyz23456789".randomElement(using: &generator)! })
    }

    /// The token requests must carry: `given`, else a random one when `host` is reachable from
    /// other machines, else none.
    public static func token(given: String?, host: String) -> String? {
        given ?? (isLoopback(host) ? nil : randomToken())
    }

    public func run() async throws {
        await http.appendRoute("*") { [self] request in await self.respond(request) }
        try await http.run()
    }

    public func port() async throws -> Int {
        // A loaded machine can take more than FlyingFox's default 5 s to start listening.
        try await http.waitUntilListening(timeout: 60)
        switch await http.listeningAddress {
        case .ip4(_, let port)?, .ip6(_, let port)?: return Int(port)
        default: throw DashboardError("the dashboard has no IP address")
        }
    }

    public func stop() async { await http.stop(timeout: 2) }

    // MARK: - Runs

    /// (id, folder) of every run, ids unique and URL-safe.
    func runs() -> [(id: String, folder: String)] {
        let fm = FileManager.default
        var folders = settings.runFolders
        if let root = settings.runsRoot {
            if fm.fileExists(atPath: root + "/run.sqlite") { folders.append(root) }
            let children = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted()
            folders += children.map { root + "/" + $0 }.filter { fm.fileExists(atPath: $0 + "/run.sqlite") }
        }
        var seen: [String: Int] = [:]
        var out: [(id: String, folder: String)] = []
        for folder in folders {
            let standard = URL(fileURLWithPath: folder).standardizedFileURL.path
            if out.contains(where: { $0.folder == standard }) { continue }
            var id = String(URL(fileURLWithPath: standard).lastPathComponent.unicodeScalars.map {
                CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0) ? Character($0) : "_"
            })
            if id.isEmpty || id == "." || id == ".." { id = "run" }
            seen[id, default: 0] += 1
            if seen[id]! > 1 { id += "-\(seen[id]!)" }
            out.append((id, standard))
        }
        return out
    }

    func reader(_ id: String) throws -> (RunReader, String) {
        guard let folder = runs().first(where: { $0.id == id })?.folder else { throw HTTPFailure(404, "no run '\(id)'") }
        if let reader = readers.withLock({ $0[folder] }) { return (reader, folder) }
        let reader = try RunReader(folder: folder)
        readers.withLock { $0[folder] = reader }
        return (reader, folder)
    }

    public func summaries() -> [RunSummary] {
        runs().compactMap { run in try? reader(run.id).0 }.enumerated().compactMap { _, reader in
            guard let id = runs().first(where: { $0.folder == reader.folder })?.id else { return nil }
            return try? RunSummary(id: id, reader: reader)
        }
    }

    // MARK: - Routing

    struct HTTPFailure: Error {
        let status: Int
        let message: String
        init(_ status: Int, _ message: String) { self.status = status; self.message = message }
    }

    private func respond(_ request: HTTPRequest) async -> HTTPResponse {
        var setCookie: String?
        if let token = settings.token {
            let cookie = (request.headers[.cookie] ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix("halo_forge_token=") }.map { String($0.dropFirst("halo_forge_token=".count)) }
            let bearer = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
            let query = request.query["token"]
            guard [bearer, query, cookie].contains(where: { $0.map { Self.equal($0, token) } ?? false }) else {
                return text(401, "401: this dashboard needs its token (open the URL printed at start, or send Authorization: Bearer TOKEN)\n")
            }
            if query != nil { setCookie = "halo_forge_token=\(token); HttpOnly; SameSite=Strict; Path=/" }
        }
        var response: HTTPResponse
        do {
            guard request.method == .GET || request.method == .HEAD else { throw HTTPFailure(405, "only GET") }
            response = try await route(request)
        } catch let failure as HTTPFailure {
            response = request.path.hasPrefix("/api/")
                ? json(failure.status, .object(["error": .string(failure.message)])) : page(failure.status, "Error", "<p>\(Render.escape(failure.message))</p>")
        } catch {
            response = text(500, "500: \(error)\n")
        }
        if let setCookie { response.headers[.setCookie] = setCookie }
        return response
    }

    /// Compares without stopping at the first differing byte.
    private static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func route(_ request: HTTPRequest) async throws -> HTTPResponse {
        let parts = request.path.split(separator: "/").map(String.init)
        let q = request.query
        switch parts.count {
        case 0: return html(runsPage())
        default: break
        }
        switch (parts[0], parts.count) {
        case ("compare", 1): return html(try comparePage(q["a"] ?? "", q["b"] ?? ""))
        case ("runs", 2): return html(try runPage(parts[1], live: q["live"] != "0"))
        case ("runs", 3) where parts[2] == "prompts": return html(try promptsPage(parts[1]))
        case ("runs", 3) where parts[2] == "samples": return html(try samplesPage(parts[1], try sampleQuery(q)))
        case ("runs", 3) where parts[2] == "prompt": return html(try promptAcrossCycles(parts[1], q["id"] ?? ""))
        case ("runs", 4) where parts[2] == "samples":
            guard let id = Int64(parts[3]) else { throw HTTPFailure(404, "no sample '\(parts[3])'") }
            return html(try samplePage(parts[1], id))
        case ("api", 2) where parts[1] == "runs":
            return json(200, .array(summaries().map(summaryJSON)))
        case ("api", 4) where parts[1] == "runs" && parts[3] == "live":
            return json(200, try await live(parts[2], points: Int(q["points"] ?? "") ?? -1))
        case ("api", 4) where parts[1] == "runs" && parts[3] == "status":
            let (reader, _) = try reader(parts[2])
            return json(200, .object(["phase": .string(try Pages.phase(reader, clock: clock))]))
        case ("api", 4) where parts[1] == "runs" && parts[3] == "samples":
            let (reader, _) = try reader(parts[2])
            let (samples, total) = try reader.samples(try sampleQuery(q))
            return json(200, .object([
                "total": .int(total), "samples": .array(samples.map { sampleJSON($0, full: false) }),
                "next_after": samples.count > 0 ? .int(Int(samples.last!.id)) : .null,
            ]))
        case ("api", 5) where parts[1] == "runs" && parts[3] == "samples":
            let (reader, _) = try reader(parts[2])
            guard let id = Int64(parts[4]), let sample = try reader.sample(id: id) else { throw HTTPFailure(404, "no sample '\(parts[4])'") }
            return json(200, sampleJSON(sample, full: true))
        default:
            throw HTTPFailure(404, "no page \(request.path)")
        }
    }

    private func sampleQuery(_ q: [HTTPRequest.QueryItem]) throws -> RunReader.SampleQuery {
        func value(_ name: String) -> String? { q[name].flatMap { $0.isEmpty ? nil : $0 } }
        func number<T: LosslessStringConvertible>(_ name: String, _: T.Type) throws -> T? {
            guard let text = value(name) else { return nil }
            guard let v = T(text) else { throw HTTPFailure(400, "query field '\(name)': '\(text)' is not a number") }
            return v
        }
        var query = RunReader.SampleQuery()
        query.cycle = try number("cycle", Int.self).map { $0 - 1 }  // pages count cycles from 1
        query.promptID = value("prompt")
        query.outcome = value("outcome")
        query.minReward = try number("min_reward", Double.self)
        query.maxReward = try number("max_reward", Double.self)
        query.kept = value("kept").map { $0 == "1" || $0 == "true" || $0 == "yes" }
        query.after = try number("after", Int64.self) ?? 0
        query.limit = try number("limit", Int.self) ?? 50
        return query
    }

    // MARK: - Responses

    private func text(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(statusCode: HTTPStatusCode(status, phrase: Self.phrase(status)), headers: [.contentType: "text/plain; charset=utf-8"], body: Data(body.utf8))
    }

    private func json(_ status: Int, _ value: JSONValue) -> HTTPResponse {
        HTTPResponse(
            statusCode: HTTPStatusCode(status, phrase: Self.phrase(status)),
            headers: [.contentType: "application/json", .cacheControl: "no-store"], body: Data(value.serialized.utf8))
    }

    private func html(_ body: String) -> HTTPResponse {
        HTTPResponse(
            statusCode: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                // Only our own inline script runs: no other origin, no plugins, no framing.
                HTTPHeader("Content-Security-Policy"): "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'",
                HTTPHeader("X-Content-Type-Options"): "nosniff",
            ],
            body: Data(body.utf8))
    }

    private func page(_ status: Int, _ title: String, _ body: String) -> HTTPResponse {
        var response = html(Pages.layout(title: title, body: body))
        response.statusCode = HTTPStatusCode(status, phrase: Self.phrase(status))
        return response
    }

    private static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        default: "Internal Server Error"
        }
    }

    private func summaryJSON(_ s: RunSummary) -> JSONValue {
        .object([
            "id": .string(s.id), "folder": .string(s.folder), "model": .string(s.model), "dataset": .string(s.dataset),
            "cycles_done": .int(s.cyclesDone), "cycles": s.cyclesPlanned.map(JSONValue.int) ?? .null, "state": .string(s.state.rawValue),
            "held_out_pass_at_1": s.heldOutPassAt1.map(JSONValue.double) ?? .null, "held_out_compile_rate": s.heldOutCompile.map(JSONValue.double) ?? .null,
            "started": s.started.map { .double($0.timeIntervalSince1970) } ?? .null, "wall_seconds": s.wallSeconds.map(JSONValue.double) ?? .null,
        ])
    }

    private func sampleJSON(_ s: RunReader.Sample, full: Bool) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .int(Int(s.id)), "cycle": .int(s.cycle + 1), "prompt_id": .string(s.promptID), "sample": .int(s.index),
            "reward": s.reward.map(JSONValue.double) ?? .null, "outcome": s.outcome.map(JSONValue.string) ?? .null, "kept": .bool(s.kept),
            "tests_passed": s.testsPassed.map(JSONValue.int) ?? .null, "tests_total": s.testsTotal.map(JSONValue.int) ?? .null,
        ]
        if full {
            object["completion"] = .string(s.completion)
            object["detail"] = s.detail.map(JSONValue.string) ?? .null
            object["finish_reason"] = .string(s.finishReason)
            object["completion_tokens"] = .int(s.tokens)
        }
        return .object(object)
    }

    // MARK: - Live updates

    /// The run page's plots and phase; waits (up to `liveWait`) until the plots have a
    /// different number of points than the page has, so a page sees a cycle end at once.
    private func live(_ id: String, points: Int) async throws -> JSONValue {
        let (reader, _) = try reader(id)
        let state = try RunSummary(id: id, reader: reader).state
        let deadline = Date().addingTimeInterval(settings.liveWait)
        var revision = ""
        while true {
            let now = try reader.revision()
            if now != revision {
                revision = now
                let plots = try Pages.runPlots(reader)
                // A run that is not running adds no points: answer at once, and the page stops asking.
                if plots.points != points || state != .running || Date() >= deadline {
                    return .object([
                        "points": .int(plots.points), "plots": .string(plots.html), "phase": .string(try Pages.phase(reader, clock: clock)),
                        "state": .string(state.rawValue),
                    ])
                }
            }
            if Date() >= deadline { revision = "" } else { try await Task.sleep(for: .milliseconds(250)) }
        }
    }

    // MARK: - Pages

    private func runsPage() -> String {
        Pages.runs(summaries())
    }

    private func runPage(_ id: String, live: Bool) throws -> String {
        let (reader, _) = try reader(id)
        return try Pages.run(id: id, reader: reader, summary: try RunSummary(id: id, reader: reader), others: runs().map(\.id), clock: clock, live: live)
    }

    private func promptsPage(_ id: String) throws -> String {
        try Pages.prompts(id: id, reader: try reader(id).0)
    }

    private func samplesPage(_ id: String, _ query: RunReader.SampleQuery) throws -> String {
        try Pages.samples(id: id, reader: try reader(id).0, query: query)
    }

    private func samplePage(_ id: String, _ sampleID: Int64) throws -> String {
        let (reader, _) = try reader(id)
        guard let sample = try reader.sample(id: sampleID) else { throw HTTPFailure(404, "no sample \(sampleID) in run '\(id)'") }
        return try Pages.sample(id: id, reader: reader, sample)
    }

    private func promptAcrossCycles(_ id: String, _ promptID: String) throws -> String {
        try Pages.promptAcrossCycles(id: id, reader: try reader(id).0, promptID: promptID)
    }

    private func comparePage(_ a: String, _ b: String) throws -> String {
        try Pages.compare(a: (a, try reader(a).0), b: (b, try reader(b).0))
    }
}
