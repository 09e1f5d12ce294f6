internal import Foundation
internal import HaloForgeCore
internal import HaloForgeRender
internal import Synchronization

/// The dashboard's HTML. Every stored string (prompt ids, code, details, settings) goes
/// through `Render.escape` or `Highlight.html`; the one script is ours and only fetches JSON.
enum Pages {
    static let outcomes = [
        "syntax_error", "import_error", "compiled_with_warnings", "compiled", "crashed", "timed_out", "ran", "failed_tests", "passed", "error",
        "unverified",
    ]

    static func layout(title: String, body: String, script: String = "") -> String {
        Render.page(
            title: title,
            body: "<nav><a href=\"/\">Runs</a></nav><h1>\(Render.escape(title))</h1>" + body + (script.isEmpty ? "" : "<script>\(script)</script>"),
            extraStyle: Highlight.style + """
                nav{margin-bottom:1em}td.l,th.l{text-align:left}.grid{display:flex;gap:12px;overflow-x:auto}\
                .grid>div{min-width:320px;flex:1}pre.detail{background:#fff4f4;border:1px solid #ecc;padding:8px;white-space:pre-wrap;text-align:left}\
                form input,form select{margin-right:8px}#samples td:last-child{text-align:left}.state-running{color:#080;font-weight:bold}
                """)
    }

    static func percent(_ v: Double?) -> String { v.map { String(format: "%.1f%%", 100 * $0) } ?? "-" }

    static func duration(_ seconds: Double?) -> String {
        guard let s = seconds, s.isFinite else { return "-" }
        return s < 120 ? String(format: "%.0f s", s) : s < 7200 ? String(format: "%.0f min", s / 60) : String(format: "%.1f h", s / 3600)
    }

    static func link(_ href: String, _ text: String) -> String { "<a href=\"\(Render.escape(href))\">\(Render.escape(text))</a>" }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? text
    }

    // MARK: runs list

    static func runs(_ runs: [RunSummary]) -> String {
        let formatter = ISO8601DateFormatter()
        let rows = runs.map { r -> [String] in
            [
                link("/runs/\(r.id)", r.id), r.model, r.dataset, "\(r.cyclesDone)/\(r.cyclesPlanned.map(String.init) ?? "?")",
                r.heldOutStage.map { "\(percent(r.heldOutPassAt1)) (\($0))" } ?? "-", percent(r.heldOutCompile),
                "<span class=\"state-\(r.state.rawValue)\">\(r.state.rawValue)</span>", r.started.map { formatter.string(from: $0) } ?? "-",
                duration(r.wallSeconds),
            ]
        }
        var body = runs.isEmpty ? "<p>No runs found.</p>" : Render.table(
            header: ["run", "model", "dataset", "cycles", "held-out pass@1", "held-out compile", "state", "started", "wall time"], rows: rows,
            raw: [0, 6], attributes: "id=\"runs\"")
        if runs.count >= 2 {
            let options = runs.map { "<option value=\"\(Render.escape($0.id))\">\(Render.escape($0.id))</option>" }.joined()
            body += "<h2>Compare two runs</h2><form action=\"/compare\" method=\"get\"><select name=\"a\">\(options)</select><select name=\"b\">\(options)</select><button>compare</button></form>"
        }
        return layout(title: "halo-forge runs", body: body)
    }

    // MARK: run page

    /// The run's per-cycle plots and how many points they hold.
    static func runPlots(_ reader: RunReader) throws -> (html: String, points: Int) {
        let cycles = try reader.cycles()
        let evals = Dictionary(RunSummary.evaluations(try reader.settings()).map { ($0.stage, $0.json) }, uniquingKeysWith: { a, _ in a })
        let labels = cycles.map { "\($0.cycle + 1)" }
        func series(_ key: String) -> [Double?] { cycles.map { $0.metrics[key]?.doubleValue } }
        var rates: [(name: String, values: [Double?])] = [("compile", series("compile_rate")), ("pass@1", series("pass_rate"))]
        if !evals.isEmpty {
            rates.append(("held-out pass@1", cycles.map { evals["cycle-\($0.cycle + 1)"].flatMap(RunSummary.passAt1) }))
            rates.append(("held-out compile", cycles.map { evals["cycle-\($0.cycle + 1)"]?["compile_rate"]?.doubleValue }))
        }
        var charts = [
            Render.lineChart(title: "Compile rate and pass@1 (training samples)", xLabels: labels, series: rates, percent: true),
            Render.lineChart(title: "Mean reward", xLabels: labels, series: [("mean reward", series("mean_reward"))], percent: false),
            Render.lineChart(title: "Kept samples", xLabels: labels, series: [("kept", series("kept"))], percent: false),
            Render.lineChart(title: "Loss and grad norm", xLabels: labels, series: [("loss", series("loss")), ("grad norm", series("grad_norm"))], percent: false),
            Render.lineChart(
                title: "Tokens/s", xLabels: labels,
                series: [("training", series("train_tokens_per_second")), ("generation", series("generate_tokens_per_second"))], percent: false),
            Render.lineChart(title: "Verified samples/s", xLabels: labels, series: [("verify", series("verify_samples_per_second"))], percent: false),
        ]
        // Every training step of every cycle, labelled cycle.step; a cycle's steps land when its training ends.
        let steps = try reader.trainSteps()
        if !steps.isEmpty {
            charts.append(Render.lineChart(
                title: "Loss per training step", xLabels: steps.map { "\($0.cycle + 1).\($0.step)" },
                series: [("loss", steps.map(\.loss)), ("grad norm", steps.map(\.gradNorm))], percent: false))
        }
        let points = charts.map { chart -> Int in
            guard let range = chart.range(of: "data-points=\"") else { return 0 }
            return Int(chart[range.upperBound...].prefix { $0.isNumber }) ?? 0
        }.reduce(0, +)
        return (charts.joined(), points)
    }

    /// "cycle 2 of 3: verify 120/256 (47%)", or how the run ended.
    static func phase(_ reader: RunReader, clock: ProgressClock) throws -> String {
        let cycles = try reader.cycles()
        let planned = RunSummary.configuration(try reader.settings()).first { $0.key == "cycles" }.flatMap { Int($0.value) }
        let of = planned.map { " of \($0)" } ?? ""
        guard let current = cycles.last(where: { $0.phase != "done" }) else {
            if cycles.isEmpty { return "no cycle started yet" }
            return "\(cycles.count)\(of) cycle(s) done"
        }
        var text = "cycle \(current.cycle + 1)\(of): \(current.phase)"
        let progress = try reader.progress(cycle: current.cycle, phase: current.phase)
        let seen = clock.observe(folder: reader.folder, cycle: current.cycle, phase: current.phase, done: progress?.done ?? 0)
        if let p = progress, p.total > 0 {
            text += String(format: " %d/%d (%.0f%%)", p.done, p.total, 100 * Double(p.done) / Double(p.total))
            if p.done > seen.done { text += ", " + TimeLeft.estimate(done: p.done - seen.done, total: p.total - seen.done, elapsed: seen.elapsed) + " left" }
        } else {
            text += ", " + TimeLeft.format(seen.elapsed) + " so far"
        }
        return text
    }

    static func run(id: String, reader: RunReader, summary: RunSummary, others: [String], clock: ProgressClock, live: Bool = true) throws -> String {
        let plots = try runPlots(reader)
        let settings = try reader.settings()
        var body = "<p>\(Render.escape(summary.model)) on \(Render.escape(summary.dataset)) · <span class=\"state-\(summary.state.rawValue)\">\(summary.state.rawValue)</span> · "
            + "wall time \(duration(summary.wallSeconds)) · \(link("/runs/\(id)/samples", "samples")) · \(link("/runs/\(id)/prompts", "per-prompt pass rate"))</p>"
        body += "<p id=\"phase\">\(Render.escape(try phase(reader, clock: clock)))</p>"
        body += "<div class=\"plots\" id=\"plots\" data-points=\"\(plots.points)\" data-initial-points=\"\(plots.points)\" data-updates=\"0\">\(plots.html)</div>"
        let evals = RunSummary.evaluations(settings)
        if !evals.isEmpty {
            body += "<h2>Held-out evaluations</h2>" + Render.table(
                header: ["stage", "pass@1", "compile", "mean reward", "samples"],
                rows: evals.map { e in
                    [e.stage, percent(RunSummary.passAt1(e.json)), percent(e.json["compile_rate"]?.doubleValue),
                     e.json["mean_reward"]?.doubleValue.map { String(format: "%.3f", $0) } ?? "-", e.json["samples"]?.intValue.map(String.init) ?? "-"]
                })
        }
        let compareWith = others.filter { $0 != id }
        if !compareWith.isEmpty {
            body += "<form action=\"/compare\" method=\"get\"><input type=\"hidden\" name=\"a\" value=\"\(Render.escape(id))\">compare with <select name=\"b\">"
                + compareWith.map { "<option value=\"\(Render.escape($0))\">\(Render.escape($0))</option>" }.joined() + "</select><button>compare</button></form>"
        }
        body += "<h2>Settings</h2>" + Render.table(
            header: ["setting", "value"], rows: RunSummary.configuration(settings).map { [$0.key, $0.value] } + [["folder", reader.folder]],
            attributes: "id=\"settings\"")
        let script = """
            (function(){const plots=document.getElementById('plots'),phase=document.getElementById('phase');let done=false;\
            const url='/api/runs/'+encodeURIComponent(\(jsString(id)))+'/live?points=';\
            async function poll(){let wait=1000;try{const r=await fetch(url+plots.dataset.points,{cache:'no-store'});\
            if(r.ok){const j=await r.json();if(String(j.points)!==plots.dataset.points){plots.innerHTML=j.plots;\
            plots.dataset.points=String(j.points);plots.dataset.updates=String(Number(plots.dataset.updates)+1);}else{wait=0;}\
            phase.textContent=j.phase;if(j.state!=='running'){done=true;return;}}}catch(e){}setTimeout(poll,wait);}poll();\
            async function status(){try{const r=await fetch('/api/runs/'+encodeURIComponent(\(jsString(id)))+'/status',{cache:'no-store'});\
            if(r.ok){phase.textContent=(await r.json()).phase;}}catch(e){}if(!done)setTimeout(status,2000);}setTimeout(status,2000);})();
            """
        return layout(title: "Run " + id, body: body, script: live ? script : "")
    }

    /// A string literal for our script: JSON escaping, with `<` escaped so it cannot end the script element.
    static func jsString(_ s: String) -> String {
        var out = ""
        JSONValue.writeString(s, to: &out)
        return out.replacingOccurrences(of: "<", with: "\\u003c")
    }

    // MARK: per-prompt pass rates

    static func prompts(id: String, reader: RunReader) throws -> String {
        let table = try reader.promptPassRates()
        let cycles = try reader.cycles().map(\.cycle)
        let ids = try reader.promptIDs().filter { table[$0] != nil } + table.keys.sorted().filter { !Set(try! reader.promptIDs()).contains($0) }
        var learned = 0, never = 0, always = 0
        var html = "<table id=\"prompt-rates\"><tr><th class=\"l\">prompt</th>" + cycles.map { "<th>cycle \($0 + 1)</th>" }.joined() + "<th>first solved</th></tr>"
        for prompt in ids {
            let row = table[prompt] ?? [:]
            let first = cycles.first { (row[$0]?.passed ?? 0) > 0 }
            if first == nil { never += 1 } else if first == cycles.first { always += 1 } else { learned += 1 }
            html += "<tr><td class=\"l\">" + link("/runs/\(id)/prompt?id=" + encode(prompt), prompt) + "</td>"
            for c in cycles {
                guard let cell = row[c], cell.samples > 0 else { html += "<td>-</td>"; continue }
                let rate = Double(cell.passed) / Double(cell.samples)
                html += String(format: "<td style=\"background:hsl(%.0f,70%%,85%%)\">%d/%d</td>", 120 * rate, cell.passed, cell.samples)
            }
            html += "<td>\(first.map { "cycle \($0 + 1)" } ?? "never")</td></tr>"
        }
        html += "</table>"
        let head = "<p>\(ids.count) prompts: \(always) solved from the first cycle, \(learned) learned during the run, \(never) never solved. "
            + "Cells: samples that passed every test / samples verified.</p>"
        return layout(title: "Per-prompt pass rate · " + id, body: head + html)
    }

    // MARK: samples

    static func samples(id: String, reader: RunReader, query: RunReader.SampleQuery) throws -> String {
        let (samples, total) = try reader.samples(query)
        func field(_ name: String, _ value: String?, _ placeholder: String) -> String {
            "<input name=\"\(name)\" placeholder=\"\(placeholder)\" size=\"10\" value=\"\(Render.escape(value ?? ""))\">"
        }
        let outcomeOptions = ([""] + outcomes).map { o in
            "<option value=\"\(o)\"\(o == (query.outcome ?? "") ? " selected" : "")>\(o.isEmpty ? "any outcome" : o)</option>"
        }.joined()
        let keptValue = query.kept.map { $0 ? "1" : "0" } ?? ""
        let keptOptions = [("", "kept or not"), ("1", "kept"), ("0", "not kept")].map {
            "<option value=\"\($0.0)\"\($0.0 == keptValue ? " selected" : "")>\($0.1)</option>"
        }.joined()
        var body = "<form method=\"get\" id=\"filter\">" + field("cycle", query.cycle.map { String($0 + 1) }, "cycle")
            + field("prompt", query.promptID, "prompt id") + "<select name=\"outcome\">\(outcomeOptions)</select>"
            + field("min_reward", query.minReward.map { "\($0)" }, "min reward") + field("max_reward", query.maxReward.map { "\($0)" }, "max reward")
            + "<select name=\"kept\">\(keptOptions)</select><button>filter</button></form>"
        body += "<p id=\"count\">\(total) matching samples\(query.after > 0 ? " (after #\(query.after))" : "")</p>"
        let rows = samples.map { s -> [String] in
            let firstLine = s.completion.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
            return [
                link("/runs/\(id)/samples/\(s.id)", "#\(s.id)"), "\(s.cycle + 1)", link("/runs/\(id)/prompt?id=" + encode(s.promptID), s.promptID), "\(s.index)",
                s.outcome ?? "unverified", s.reward.map { String(format: "%.2f", $0) } ?? "-", s.kept ? "kept" : "",
                "<code>" + Render.escape(String(firstLine.prefix(80))) + "</code>",
            ]
        }
        body += Render.table(header: ["sample", "cycle", "prompt", "n", "outcome", "reward", "kept", "code"], rows: rows, raw: [0, 2, 7], attributes: "id=\"samples\"")
        if let last = samples.last, samples.count == query.limit {
            var params: [(String, String)] = []
            if let c = query.cycle { params.append(("cycle", "\(c + 1)")) }
            if let p = query.promptID { params.append(("prompt", p)) }
            if let o = query.outcome { params.append(("outcome", o)) }
            if let v = query.minReward { params.append(("min_reward", "\(v)")) }
            if let v = query.maxReward { params.append(("max_reward", "\(v)")) }
            if let k = query.kept { params.append(("kept", k ? "1" : "0")) }
            params.append(("after", "\(last.id)"))
            body += "<p>" + link("/runs/\(id)/samples?" + params.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&"), "next page →") + "</p>"
        }
        return layout(title: "Samples · " + id, body: body)
    }

    static func sample(id: String, reader: RunReader, _ s: RunReader.Sample) throws -> String {
        let tests = s.testsTotal.map { "\(s.testsPassed ?? 0)/\($0)" } ?? "-"
        var body = Render.table(
            header: ["sample", "cycle", "prompt", "n", "outcome", "reward", "tests", "kept", "tokens", "finish"],
            rows: [[
                "#\(s.id)", "\(s.cycle + 1)", s.promptID, "\(s.index)", s.outcome ?? "unverified", s.reward.map { String(format: "%.2f", $0) } ?? "-",
                tests, s.kept ? "kept" : "not kept", "\(s.tokens)", s.finishReason,
            ]], attributes: "id=\"verdict\"")
        body += "<p>" + link("/runs/\(id)/prompt?id=" + encode(s.promptID), "this prompt's samples across cycles") + " · "
            + link("/runs/\(id)/samples?prompt=" + encode(s.promptID), "all samples of this prompt") + "</p>"
        body += "<h2>Verdict detail</h2><pre class=\"detail\" id=\"detail\">\(Render.escape(s.detail?.isEmpty == false ? s.detail! : "(no detail)"))</pre>"
        body += "<h2>Code</h2><pre class=\"code\" id=\"code\">\(Highlight.html(s.completion))</pre>"
        if let prompt = try reader.prompt(s.promptID) {
            body += "<h2>Prompt</h2><pre class=\"code\">\(Render.escape(prompt))</pre>"
        }
        return layout(title: "Sample #\(s.id) · " + id, body: body)
    }

    /// The prompt's samples, one column per cycle, best first.
    static func promptAcrossCycles(id: String, reader: RunReader, promptID: String) throws -> String {
        var query = RunReader.SampleQuery()
        query.promptID = promptID
        query.limit = 500
        let (samples, total) = try reader.samples(query)
        let byCycle = Dictionary(grouping: samples, by: \.cycle)
        var body = "<p>\(total) samples of this prompt.</p><div class=\"grid\" id=\"cycles\">"
        for cycle in byCycle.keys.sorted() {
            let list = byCycle[cycle]!.sorted { ($0.reward ?? -1, -$0.index) > ($1.reward ?? -1, -$1.index) }
            let passed = list.filter { ($0.reward ?? 0) >= 1.0 }.count
            body += "<div><h3>cycle \(cycle + 1): \(passed)/\(list.count) passed</h3>"
            for s in list.prefix(8) {
                body += "<p>" + link("/runs/\(id)/samples/\(s.id)", "#\(s.index)") + " \(Render.escape(s.outcome ?? "unverified")) "
                    + (s.reward.map { String(format: "%.2f", $0) } ?? "-") + (s.kept ? " · kept" : "") + "</p>"
                body += "<pre class=\"code\">\(Highlight.html(s.completion))</pre>"
            }
            body += "</div>"
        }
        body += "</div>"
        if let prompt = try reader.prompt(promptID) { body += "<h2>Prompt</h2><pre class=\"code\">\(Render.escape(prompt))</pre>" }
        return layout(title: "Prompt \(promptID) · \(id)", body: body)
    }

    // MARK: compare

    static func compare(a: (id: String, reader: RunReader), b: (id: String, reader: RunReader)) throws -> String {
        let ca = try a.reader.cycles(), cb = try b.reader.cycles()
        let labels = (0..<max(ca.count, cb.count)).map { "\($0 + 1)" }
        func values(_ cycles: [RunReader.Cycle], _ key: String) -> [Double?] {
            labels.indices.map { i in i < cycles.count ? cycles[i].metrics[key]?.doubleValue : nil }
        }
        let metrics: [(String, String, Bool)] = [
            ("compile_rate", "Compile rate (training samples)", true), ("pass_rate", "pass@1 (training samples)", true),
            ("mean_reward", "Mean reward", false), ("kept", "Kept samples", false), ("loss", "Loss", false),
        ]
        let charts = metrics.map { key, title, percent in
            Render.lineChart(title: title, xLabels: labels, series: [(a.id, values(ca, key)), (b.id, values(cb, key))], percent: percent)
        }
        let body = "<p>" + link("/runs/\(a.id)", a.id) + " vs " + link("/runs/\(b.id)", b.id) + "</p><div class=\"plots\" id=\"plots\">" + charts.joined() + "</div>"
        return layout(title: "\(a.id) vs \(b.id)", body: body)
    }
}

/// When the dashboard first saw each phase of each run, and how far along it was then: the
/// store keeps no timestamps, so time left is estimated from the progress seen since.
final class ProgressClock: Sendable {
    private let seen = Mutex<[String: (at: Date, done: Int)]>([:])

    /// (progress when first seen, seconds since).
    func observe(folder: String, cycle: Int, phase: String, done: Int) -> (done: Int, elapsed: Double) {
        let key = "\(folder)#\(cycle)#\(phase)"
        let first = seen.withLock { table in
            if let first = table[key] { return first }
            table[key] = (Date(), done)
            return (Date(), done)
        }
        return (first.done, Date().timeIntervalSince(first.at))
    }
}
