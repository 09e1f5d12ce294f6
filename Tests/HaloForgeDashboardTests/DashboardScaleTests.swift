import Foundation
import HaloForgeCore
@testable import HaloForgeDashboard
import HaloForgeRAFT
import Testing

/// A run of 100,000 samples (10 cycles × 200 prompts × 50 samples) written through the run
/// store API; the run page and the samples browser must answer quickly, because the browser
/// pages on the server. Timings go to stdout and to `artifacts`/scale-100k.txt.
@Suite struct DashboardScaleTests {
    static let cycles = 10, prompts = 200, samplesPerPrompt = 50

    func fill(_ folder: String) throws {
        let store = try RunStore(folder: folder)
        try store.setSetting("config", "model: tiny\ndataset: humaneval\ncycles: \(Self.cycles)\n")
        let ids = (0..<Self.prompts).map { "HumanEval/\($0)" }
        try store.storePrompts(ids.map { (id: $0, split: "train", prompt: "int f(int x) /* \($0) */", task: .object([:])) })
        let outcomes: [(Outcome, Double)] = [(.syntaxError, 0), (.compiledWithWarnings, 0.3), (.compiled, 0.5), (.failedTests, 0.85), (.passed, 1)]
        for cycle in 0..<Self.cycles {
            try store.setPhase(cycle: cycle, .generate)
            for chunk in stride(from: 0, to: Self.prompts, by: 20) {
                try store.storeSamples(cycle: cycle, ids[chunk..<chunk + 20].flatMap { id in
                    (0..<Self.samplesPerPrompt).map { i in
                        (promptID: id, index: i, completion: "#include <stdio.h>\nint f(int x) {\n    return x * \(i) + \(cycle); // sample \(i)\n}\n", tokens: 40, finishReason: "stop")
                    }
                })
            }
            let samples = try store.samples(cycle: cycle)
            for (n, s) in samples.enumerated() {
                let (outcome, reward) = outcomes[(n + cycle) % outcomes.count]
                try store.storeVerdict(sampleID: s.id, Verdict(reward: reward, outcome: outcome, detail: "line 3: error \(n)"))
            }
            try store.markKept(cycle: cycle, sampleIDs: samples.filter { $0.index < 4 }.map(\.id))
            try store.finishTraining(
                cycle: cycle, adapter: nil, steps: [(step: 1, loss: 1.0 / Double(cycle + 1), gradNorm: 0.5, lr: 1e-4, tokens: 100, tokensPerSecond: 500)],
                metrics: ["compile_rate": .double(0.6), "pass_rate": .double(0.2 + 0.01 * Double(cycle)), "mean_reward": .double(0.5), "kept": .int(800),
                          "loss": .double(1.0 / Double(cycle + 1)), "grad_norm": .double(0.5)])
        }
    }

    @Test func hundredThousandSamplesStayResponsive() async throws {
        let folder = temporaryFolder("scale") + "/big"
        let started = Date()
        try fill(folder)
        let fillSeconds = Date().timeIntervalSince(started)
        let reader = try RunReader(folder: folder)
        #expect(try reader.samples(RunReader.SampleQuery()).total == 100_000)
        var settings = Dashboard.Settings()
        settings.runFolders = [folder]
        let report = try await withDashboard(settings) { base in
            let pages = [
                ("runs list", "/"),
                ("run page", "/runs/big"),
                ("live update", "/api/runs/big/live?points=-1"),
                ("samples page 1", "/runs/big/samples"),
                ("samples, outcome=passed, cycle 7", "/runs/big/samples?cycle=7&outcome=passed"),
                ("samples, reward 0.3-0.5, kept", "/runs/big/samples?min_reward=0.3&max_reward=0.5&kept=1"),
                ("samples, deep page (after 99,000)", "/runs/big/samples?after=99000"),
                ("samples JSON, 100 rows", "/api/runs/big/samples?limit=100&after=50000"),
                ("one sample", "/runs/big/samples/77777"),
                ("one prompt across cycles", "/runs/big/prompt?id=HumanEval%2F42"),
                ("per-prompt pass rates", "/runs/big/prompts"),
            ]
            var lines = [String(format: "filled 100,000 samples through RunStore in %.1f s", fillSeconds)]
            for (name, path) in pages {
                var times: [Double] = []
                for _ in 0..<5 {
                    let response = try await get(base + path)
                    #expect(response.status == 200, "\(path): \(response.status)")
                    times.append(response.seconds)
                }
                times.sort()
                lines.append(name.padding(toLength: 36, withPad: " ", startingAt: 0) + String(format: " median %7.1f ms  max %7.1f ms", 1000 * times[2], 1000 * times[4]))
                #expect(times[2] < 1.5, "\(name) took \(times[2]) s")
            }
            let page = try await get(base + "/runs/big/samples?cycle=7&outcome=passed")
            #expect(page.body.contains("2000 matching samples"))
            return lines.joined(separator: "\n")
        }
        print(report)
        try Data((report + "\n").utf8).write(to: URL(fileURLWithPath: artifacts + "/scale-100k.txt"))
    }
}
