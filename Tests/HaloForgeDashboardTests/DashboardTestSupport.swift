import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HaloForgeCore
@testable import HaloForgeDashboard
import HaloForgeRAFT
import Testing

/// Where the dashboard tests leave screenshots and pages: `.build/test-artifacts/dashboard`
/// (or $HALO_FORGE_ARTIFACTS/dashboard).
let artifacts: String = {
    let root = ProcessInfo.processInfo.environment["HALO_FORGE_ARTIFACTS"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/.build/test-artifacts"
    let folder = root + "/dashboard"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}()

/// The halo-forge executable next to the test bundle.
var haloForge: String {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("halo-forge").path
}

func temporaryFolder(_ name: String) -> String {
    let path = FileManager.default.temporaryDirectory.path + "/hf-dash-\(name)-\(getpid())"
    try? FileManager.default.removeItem(atPath: path)
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Runs a command to its end (killed after `timeout` seconds); returns (status, stdout).
@discardableResult
func runTool(_ executable: String, _ arguments: [String], timeout: Double = 120) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    killer.cancel()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Debian's chromium, headless.
enum Chromium {
    static var path: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs chromium with a profile of its own: two runs sharing one would hand the second
    /// run's command line to the first browser, which then does nothing with it.
    @discardableResult
    static func run(_ extra: [String], timeout: Double) throws -> (status: Int32, output: String) {
        let path = try #require(Self.path, "chromium is not installed (scripts/install-test-deps.sh installs it)")
        let profile = temporaryFolder("chromium-" + UUID().uuidString)
        defer { try? FileManager.default.removeItem(atPath: profile) }
        return try runTool(
            path, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
                   "--user-data-dir=" + profile] + extra, timeout: timeout)
    }

    /// The DOM after the page's scripts ran for `budget` ms of virtual time; virtual time
    /// stands still while a fetch is pending, so a live request that waits is waited for.
    static func dumpDOM(_ url: String, budget: Int = 1000, timeout: Double = 120) throws -> String {
        let (status, dom) = try run(["--virtual-time-budget=\(budget)", "--dump-dom", url], timeout: timeout)
        #expect(status == 0, "chromium --dump-dom \(url) exited \(status)")
        return dom
    }

    static func screenshot(_ url: String, to file: String, budget: Int = 1000, height: Int = 1600) throws {
        try? FileManager.default.removeItem(atPath: file)
        try run(["--virtual-time-budget=\(budget)", "--window-size=1280,\(height)", "--screenshot=" + file, url], timeout: 180)
        #expect(FileManager.default.fileExists(atPath: file), "no screenshot at \(file)")
    }
}

/// A dashboard served in this process on a free loopback port.
func withDashboard<T>(_ settings: Dashboard.Settings, _ body: (String) async throws -> T) async throws -> T {
    var settings = settings
    settings.port = 0
    let dashboard = try Dashboard(settings: settings)
    let serving = Task { try await dashboard.run() }
    defer { serving.cancel() }
    let port = try await dashboard.port()
    let result = try await body("http://127.0.0.1:\(port)")
    await dashboard.stop()
    return result
}

/// GET `url`: (status, body, headers, seconds).
func get(_ url: String, headers: [String: String] = [:]) async throws -> (status: Int, body: String, headers: [AnyHashable: Any], seconds: Double) {
    var request = URLRequest(url: URL(string: url)!)
    // The server shares the test process's threads; on a loaded 2-core machine a reply can
    // take longer than URLSession's default 60 s.
    request.timeoutInterval = 300
    for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
    let started = Date()
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    return (http.statusCode, String(decoding: data, as: UTF8.self), http.allHeaderFields, Date().timeIntervalSince(started))
}

/// A value of `attribute` on the element with `id` in a dumped DOM.
func attribute(_ attribute: String, ofID id: String, in dom: String) -> String? {
    guard let start = dom.range(of: "id=\"\(id)\"") else { return nil }
    let tagStart = dom[..<start.lowerBound].lastIndex(of: "<") ?? start.lowerBound
    guard let tagEnd = dom[start.upperBound...].firstIndex(of: ">") else { return nil }
    let tag = dom[tagStart..<tagEnd]
    guard let a = tag.range(of: attribute + "=\"") else { return nil }
    return String(tag[a.upperBound...].prefix { $0 != "\"" })
}
