import Foundation
import HaloForgeCore
@testable import HaloForgeDashboard
import Testing

/// A real run of the tiny model, the dashboard as a separate process, and headless Chromium
/// reading its pages: the list shows the run, the run page's plots gain points without a
/// reload, the samples browser opens a sample with its verdict detail. Screenshots land in
/// `artifacts` (.build/test-artifacts/dashboard).
@Suite(.serialized) struct DashboardBrowserTests {
    /// A process whose first stdout line we wait for.
    final class Served {
        let process = Process()
        let url: String

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: haloForge)
            process.arguments = arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = Data()
            let deadline = Date().addingTimeInterval(60)
            while !line.contains(UInt8(ascii: "\n")) && Date() < deadline && process.isRunning {
                line += out.fileHandleForReading.availableData
            }
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let start = text.range(of: "http://") else { throw DashboardError("the dashboard printed no URL: '\(text)'") }
            url = String(text[start.lowerBound...])
        }

        /// The base URL without the token query.
        var base: String { String(url.prefix { $0 != "?" }).trimmingCharacters(in: CharacterSet(charactersIn: "/")) }

        func stop() -> Int32 {
            process.terminate()
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    func startRun(_ folder: String, cycles: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: haloForge)
        process.arguments = [
            "raft", "train", "--output", folder, "--model", "tiny", "--dataset", "humaneval", "--limit", "8", "--cycles", "\(cycles)",
            "--samples-per-prompt", "8", "--max-new-tokens", "48", "--reward-threshold", "0", "--steps-per-cycle", "8", "--seed", "7",
            "--timeout", "5",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits (up to `seconds`) until `condition` holds on the run, read-only.
    func wait(_ folder: String, seconds: Double, _ condition: (RunReader) throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let reader = try? RunReader(folder: folder), (try? condition(reader)) == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test func liveRunInChromium() async throws {
        try #require(Chromium.path != nil, "chromium is not installed (scripts/install-test-deps.sh installs it)")
        let root = temporaryFolder("browser")
        let folder = root + "/tiny-run"
        let run = try startRun(folder, cycles: 3)
        defer { if run.isRunning { kill(run.processIdentifier, SIGKILL) } }
        #expect(try await wait(folder, seconds: 120) { _ in true }, "the run made no run.sqlite")
        let dashboard = try Served(["dashboard", "--runs", root, "--port", "0"])
        defer { _ = dashboard.stop() }
        let base = dashboard.base

        // The runs list shows the run, running.
        let list = try Chromium.dumpDOM(base + "/")
        #expect(list.contains("href=\"/runs/tiny-run\""), "runs list: \(list.suffix(800))")
        #expect(list.contains(">running<"))
        #expect(list.contains(">tiny<") && list.contains(">humaneval<"))
        try Chromium.screenshot(base + "/", to: artifacts + "/runs-list-running.png", height: 400)

        // Once the first cycle has its filter metrics, a page opened now must gain points as
        // the run goes on — through its live request, not a reload.
        #expect(try await wait(folder, seconds: 300) { try $0.cycles().first?.metrics["kept"] != nil }, "cycle 1 never reached training")
        // The page re-asks at once when a live request ends without a new point, and waits a
        // second of (virtual) time after one: a budget under a second ends at the first update.
        let live = try Chromium.dumpDOM(base + "/runs/tiny-run", budget: 800, timeout: 600)
        let initial = Int(attribute("data-initial-points", ofID: "plots", in: live) ?? "") ?? -1
        let now = Int(attribute("data-points", ofID: "plots", in: live) ?? "") ?? -1
        let updates = Int(attribute("data-updates", ofID: "plots", in: live) ?? "") ?? 0
        #expect(initial >= 0 && now > initial, "plots: \(initial) points at load, \(now) after the live updates")
        #expect(updates >= 1)
        try Data(live.utf8).write(to: URL(fileURLWithPath: artifacts + "/run-page-live.html"))
        // Frozen (?live=0): a screenshot waits for pending requests, and a live page always has one.
        try Chromium.screenshot(base + "/runs/tiny-run?live=0", to: artifacts + "/run-page-running.png", budget: 200, height: 1300)

        run.waitUntilExit()
        #expect(run.terminationStatus == 0)
        let finished = try Chromium.dumpDOM(base + "/")
        #expect(finished.contains(">finished<") && finished.contains(">3/3<"), "runs list after the run: \(finished.suffix(600))")
        try Chromium.screenshot(base + "/", to: artifacts + "/runs-list-finished.png", height: 400)
        let page = try Chromium.dumpDOM(base + "/runs/tiny-run", budget: 200)
        // Three cycles × (compile, pass, reward, kept, loss, grad norm, 2 tokens/s, verify/s), and
        // loss and grad norm of every training step.
        let steps = try RunReader(folder: folder).trainSteps().count
        #expect(steps == 3 * 8)
        #expect(Int(attribute("data-points", ofID: "plots", in: page) ?? "") == 27 + 2 * steps)
        #expect(page.contains("3 of 3 cycle(s) done"))
        try Chromium.screenshot(base + "/runs/tiny-run", to: artifacts + "/run-page-finished.png", budget: 200, height: 1300)

        // The samples browser: failing samples of cycle 2; open the first; its verdict detail shows.
        let reader = try RunReader(folder: folder)
        var query = RunReader.SampleQuery()
        query.cycle = 1
        query.maxReward = 0.9
        let expected = try #require(try reader.samples(query).samples.first { ($0.detail ?? "").count > 10 }, "no failing sample with a detail")
        let browser = try Chromium.dumpDOM(base + "/runs/tiny-run/samples?cycle=2&max_reward=0.9")
        #expect(browser.contains("href=\"/runs/tiny-run/samples/\(expected.id)\""), "samples browser: \(browser.suffix(600))")
        try Chromium.screenshot(base + "/runs/tiny-run/samples?cycle=2&max_reward=0.9", to: artifacts + "/samples-browser.png", height: 1000)
        let opened = try Chromium.dumpDOM(base + "/runs/tiny-run/samples/\(expected.id)")
        let shown = expected.detail!.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        #expect(opened.contains("id=\"detail\">" + shown + "</pre>"), "sample page: \(opened.prefix(3000))")
        #expect(opened.contains(">\(expected.outcome!)<"))
        try Chromium.screenshot(base + "/runs/tiny-run/samples/\(expected.id)", to: artifacts + "/sample-page.png", height: 1100)

        // Per-prompt pass rates and one prompt across cycles.
        let prompts = try Chromium.dumpDOM(base + "/runs/tiny-run/prompts")
        #expect(prompts.contains("8 prompts:"))
        try Chromium.screenshot(base + "/runs/tiny-run/prompts", to: artifacts + "/prompt-pass-rates.png", height: 600)
        let across = try Chromium.dumpDOM(base + "/runs/tiny-run/prompt?id=" + expected.promptID.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        #expect(across.contains("cycle 1:") && across.contains("cycle 3:"))
        try Chromium.screenshot(base + "/runs/tiny-run/prompt?id=" + expected.promptID.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, to: artifacts + "/prompt-across-cycles.png", height: 1100)
    }

    @Test func nonLoopbackHostNeedsTheToken() async throws {
        let folder = temporaryFolder("token") + "/run"
        let store = try HaloForgeRAFT.RunStore(folder: folder)
        try store.setSetting("config", "model: tiny\ncycles: 1\n")
        let served = try Served(["dashboard", folder, "--host", "0.0.0.0", "--port", "0"])
        defer { _ = served.stop() }
        let token = try #require(served.url.range(of: "?token=").map { String(served.url[$0.upperBound...]) }, "no token printed: \(served.url)")
        #expect(token.count >= 16)
        let base = served.base.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1")
        #expect(try await get(base + "/").status == 401)
        #expect(try await get(base + "/api/runs").status == 401)
        #expect(try await get(base + "/?token=wrong-token-xyz").status == 401)
        #expect(try await get(base + "/api/runs", headers: ["Authorization": "Bearer " + token]).status == 200)
        let visit = try await get(base + "/?token=" + token)
        #expect(visit.status == 200 && visit.body.contains("href=\"/runs/run\""))
        #expect((visit.headers["Set-Cookie"] as? String)?.contains("HttpOnly") == true)
        #expect(try await get(base + "/", headers: ["Cookie": "halo_forge_token=" + token]).status == 200)
    }
}

import HaloForgeRAFT
