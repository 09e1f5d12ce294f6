import Foundation
import HaloForgeCore
@testable import HaloForgeDashboard
import HaloForgeRAFT
import Testing

/// The runs list's columns and states, and two runs on one plot, from stores written here.
@Suite struct DashboardRunsListTests {
    /// A run with `done` of `cycles` cycles finished and, when `evaluated`, held-out scores as
    /// `benchmark full` stores them.
    func makeRun(_ folder: String, cycles: Int, done: Int, evaluated: Bool, passRate: Double) throws {
        let store = try RunStore(folder: folder)
        try store.setSetting("config", "model: \"HuggingFaceTB/SmolLM2-135M-Instruct\"\ndataset: mbpp\ncycles: \(cycles)\n")
        for cycle in 0..<done {
            try store.setPhase(cycle: cycle, .train)
            try store.finishTraining(
                cycle: cycle, adapter: nil, steps: [],
                metrics: ["compile_rate": .double(0.5), "pass_rate": .double(passRate + 0.1 * Double(cycle)), "mean_reward": .double(0.4), "kept": .int(10), "seconds": .double(30)])
        }
        if done < cycles { try store.setPhase(cycle: done, .verify) }
        if evaluated {
            try store.setSetting("eval:baseline", #"{"compile_rate":0.5,"mean_reward":0.4,"pass_at_k":{"pass@1":0.125},"samples":8}"#)
            try store.setSetting("eval:cycle-1", #"{"compile_rate":0.75,"mean_reward":0.6,"pass_at_k":{"pass@1":0.25},"samples":8}"#)
        }
    }

    @Test func listShowsEachRunsColumnsAndState() async throws {
        let root = temporaryFolder("list")
        try makeRun(root + "/finished", cycles: 1, done: 1, evaluated: true, passRate: 0.2)
        try makeRun(root + "/stopped", cycles: 3, done: 1, evaluated: false, passRate: 0.1)
        try makeRun(root + "/running", cycles: 3, done: 2, evaluated: false, passRate: 0.3)
        // Another process holds the running run's store open for writing, as `raft train` does.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        holder.arguments = [root + "/running/run.sqlite"]
        let stdin = Pipe()
        holder.standardInput = stdin
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        defer { try? stdin.fileHandleForWriting.close(); holder.waitUntilExit() }
        stdin.fileHandleForWriting.write(Data("SELECT 1;\n".utf8))
        try await Task.sleep(for: .milliseconds(300))

        var settings = Dashboard.Settings()
        settings.runsRoot = root
        try await withDashboard(settings) { base in
            let runs = try JSONValue.parse(Data(try await get(base + "/api/runs").body.utf8)).arrayValue ?? []
            let byID = Dictionary(uniqueKeysWithValues: runs.map { ($0["id"]?.stringValue ?? "", $0) })
            #expect(byID["finished"]?["state"]?.stringValue == "finished")
            #expect(byID["stopped"]?["state"]?.stringValue == "stopped")
            #expect(byID["running"]?["state"]?.stringValue == "running")
            #expect(byID["finished"]?["held_out_pass_at_1"]?.doubleValue == 0.25)
            #expect(byID["finished"]?["held_out_compile_rate"]?.doubleValue == 0.75)
            #expect(byID["running"]?["cycles_done"]?.intValue == 2)
            let list = try await get(base + "/").body
            #expect(list.contains("<td>25.0% (cycle-1)</td><td>75.0%</td>"))
            #expect(list.contains("<td>HuggingFaceTB/SmolLM2-135M-Instruct</td><td>mbpp</td><td>1/3</td>"))

            let run = try await get(base + "/runs/finished").body
            #expect(run.contains("held-out pass@1"))
            #expect(run.contains("<td>cycle-1</td><td>25.0%</td><td>75.0%</td>"))
            let stopped = try await get(base + "/api/runs/stopped/live?points=-1").body
            #expect(stopped.contains("\"state\":\"stopped\"") && stopped.contains("cycle 2 of 3: verify"))

            let compare = try await get(base + "/compare?a=stopped&b=running").body
            #expect(compare.contains(">stopped</text>") && compare.contains(">running</text>"))
            // pass@1 of both runs on one plot: 1 point for one run, 2 for the other.
            #expect(compare.contains("data-points=\"3\""))
        }
    }
}
