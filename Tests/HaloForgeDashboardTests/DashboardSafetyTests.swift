import Foundation
import HaloForgeCore
@testable import HaloForgeDashboard
import HaloForgeRAFT
import Testing

/// Hostile strings in a run (the model wrote them) reach every page as text.
@Suite struct DashboardSafetyTests {
    static let script = "<script>alert('pwned')</script>"

    func hostileRun(_ name: String) throws -> String {
        let folder = temporaryFolder(name) + "/run"
        let store = try RunStore(folder: folder)
        try store.setSetting("config", "model: \"<img src=x onerror=alert(1)>\"\ndataset: humaneval\ncycles: 1\n")
        try store.storePrompts([(id: "<b>p1</b>", split: "train", prompt: "write </pre>" + Self.script, task: .object([:]))])
        try store.setPhase(cycle: 0, .verify)
        try store.storeSamples(cycle: 0, [(promptID: "<b>p1</b>", index: 0, completion: "int main(){}\n// " + Self.script + "\n\"</span>\"", tokens: 9, finishReason: "stop")])
        let sample = try #require(try store.samples(cycle: 0).first)
        try store.storeVerdict(sampleID: sample.id, Verdict(reward: 0, outcome: .syntaxError, detail: "</pre><script>steal()</script> error: expected ';'"))
        try store.addMetrics(cycle: 0, ["compile_rate": .double(0.5), "filter_note": .string(Self.script)])
        return folder
    }

    @Test func sampleStringsAreShownAsText() async throws {
        let folder = try hostileRun("hostile-pages")
        var settings = Dashboard.Settings()
        settings.runFolders = [folder]
        try await withDashboard(settings) { base in
            let pages = ["/", "/runs/run", "/runs/run/samples", "/runs/run/samples/1", "/runs/run/prompts", "/runs/run/prompt?id=%3Cb%3Ep1%3C%2Fb%3E"]
            for path in pages {
                let page = try await get(base + path)
                #expect(page.status == 200, "\(path): \(page.status)")
                for raw in [Self.script, "<script>steal", "<img src=x", "<b>p1</b>", "</span>\""] {
                    #expect(!page.body.contains(raw), "\(path) has \(raw) unescaped")
                }
            }
            let sample = try await get(base + "/runs/run/samples/1")
            #expect(sample.body.contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"))
            #expect(sample.body.contains("id=\"detail\">&lt;/pre&gt;&lt;script&gt;steal()&lt;/script&gt; error: expected &#39;;&#39;</pre>"))
            #expect(sample.headers["Content-Security-Policy"] != nil)
            // In a real browser: no script element at all on the sample page, the code as text.
            if Chromium.path != nil {
                let dom = try Chromium.dumpDOM(base + "/runs/run/samples/1")
                #expect(!dom.contains("<script"), "a script element made it into the DOM")
                #expect(dom.contains("&lt;script&gt;alert('pwned')&lt;/script&gt;"))
                try Chromium.screenshot(base + "/runs/run/samples/1", to: artifacts + "/hostile-sample.png", height: 800)
            }
        }
    }

    @Test func badQueriesAndUnknownRunsAnswerClearly() async throws {
        let folder = try hostileRun("hostile-queries")
        var settings = Dashboard.Settings()
        settings.runFolders = [folder]
        try await withDashboard(settings) { base in
            let bad = try await get(base + "/api/runs/run/samples?cycle=two")
            #expect(bad.status == 400 && bad.body.contains("query field 'cycle': 'two' is not a number"))
            #expect(try await get(base + "/runs/nope").status == 404)
            #expect(try await get(base + "/api/runs/run/samples/999").status == 404)
        }
    }

    @Test func highlightingEscapesEveryToken() {
        let html = Highlight.html("#include <stdio.h>\nint x = 1; // <b>\nchar *s = \"<i>\\\"\"; /* </pre> */")
        #expect(!html.contains("<b>") && !html.contains("<i>") && !html.contains("</pre>") && !html.contains("<stdio"))
        #expect(html.contains("<span class=\"p\">#include &lt;stdio.h&gt;</span>"))
        #expect(html.contains("<span class=\"k\">int</span>"))
        #expect(html.contains("<span class=\"c\">// &lt;b&gt;</span>"))
    }
}

/// Who must show a token: anyone reaching a dashboard from another machine.
@Suite struct DashboardTokenTests {
    @Test func aTokenIsMadeOnlyOffLoopback() {
        #expect(Dashboard.token(given: nil, host: "127.0.0.1") == nil)
        #expect(Dashboard.token(given: nil, host: "::1") == nil)
        #expect(Dashboard.token(given: "my-secret-token", host: "0.0.0.0") == "my-secret-token")
        let made = try? #require(Dashboard.token(given: nil, host: "0.0.0.0"))
        #expect(made?.count == 24)
        #expect(made?.allSatisfy { "abcdefghijkmnpqrstuvwxyz23456789".contains($0) } == true)
        #expect(made != Dashboard.token(given: nil, host: "0.0.0.0"), "each start makes a new one")
    }
}

/// What the dashboard refuses to start with, each named by its flag.
@Suite struct DashboardSettingsTests {
    @Test func badSettingsAreNamedByTheirFlags() throws {
        var settings = Dashboard.Settings()
        #expect(throws: DashboardError.self) { try settings.validate() }  // nothing to show
        settings.runsRoot = temporaryFolder("settings-root")
        try FileManager.default.createDirectory(atPath: settings.runsRoot!, withIntermediateDirectories: true)
        try settings.validate()
        settings.port = 70000
        #expect { try settings.validate() } throws: { "\($0)" == "--port must be between 0 and 65535" }
        settings.port = 0
        settings.token = "short"
        #expect { try settings.validate() } throws: { "\($0)" == "--token must be at least 8 characters" }
        settings.token = nil
        settings.runFolders = [settings.runsRoot! + "/none"]
        #expect { try settings.validate() } throws: { "\($0)".hasSuffix("/none: no run.sqlite (not a run folder)") }
    }
}
