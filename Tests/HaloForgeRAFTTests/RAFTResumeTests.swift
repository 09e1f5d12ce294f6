import Foundation
import HaloForgeCore
@testable import HaloForgeRAFT
import Testing

/// kill -9 during generation, verification and training, then resume: every cycle ends with
/// exactly prompts × n samples, none duplicated, none lost.
@Suite(.serialized) struct RAFTResumeTests {
    static let prompts = 12
    static let n = 16  // 128 samples per generate request: chunks of 8 prompts, so a kill can land between them
    static let cycles = 2

    var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("halo-forge").path
    }

    func start(_ folder: String, _ extra: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "raft", "train", "--output", folder, "--model", "tiny", "--dataset", "humaneval", "--limit", "\(Self.prompts)",
            "--cycles", "\(Self.cycles)", "--samples-per-prompt", "\(Self.n)", "--max-new-tokens", "48",
            "--reward-threshold", "0", "--steps-per-cycle", "40", "--seed", "7", "--timeout", "5",
        ] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Starts the run and kills it (SIGKILL) as soon as `when` holds, or fails after 10 minutes:
    /// on the shared 2-core machine at a load average of 10, cycle 1 reached training after 143 s.
    func killWhen(_ folder: String, _ extra: [String] = [], _ when: (RunStore) throws -> Bool) async throws {
        let process = try start(folder, extra)
        let deadline = Date().addingTimeInterval(600)
        while Date() < deadline, process.isRunning {
            if FileManager.default.fileExists(atPath: folder + "/run.sqlite"), let store = try? RunStore(folder: folder), (try? when(store)) == true {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        Issue.record("the run ended before the moment to kill it came")
    }

    func finish(_ folder: String, _ extra: [String] = []) throws -> RunStore {
        let process = try start(folder, extra)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try RunStore(folder: folder)
    }

    func expectComplete(_ store: RunStore) throws {
        let cycles = try store.cycles()
        #expect(cycles.count == Self.cycles)
        #expect(cycles.allSatisfy { $0.phase == .done })
        for cycle in 0..<Self.cycles {
            let counts = try store.sampleCounts(cycle: cycle)
            #expect(counts.total == Self.prompts * Self.n, "cycle \(cycle): \(counts.total) samples")
            #expect(counts.distinct == counts.total)
            #expect(try store.samples(cycle: cycle, unverifiedOnly: true).isEmpty)
        }
    }

    func folder(_ name: String) -> String {
        FileManager.default.temporaryDirectory.path + "/hf-raft-\(name)-\(getpid())"
    }

    @Test func killDuringGenerationThenResume() async throws {
        let run = folder("generate")
        try await killWhen(run) { store in
            let have = try store.promptsWithSamples(cycle: 0).count
            return have > 0 && have < Self.prompts
        }
        let partial = try RunStore(folder: run).promptsWithSamples(cycle: 0).count
        #expect(partial > 0 && partial < Self.prompts)
        try expectComplete(try finish(run))
    }

    @Test func killDuringVerificationThenResume() async throws {
        let run = folder("verify")
        // One torch thread and one verifier job leave a core free on a 2-core machine, so each chunk
        // is verified beside the sampling of the next: kill once some samples carry a verdict and some don't.
        let besideGeneration = ["--threads", "1", "--jobs", "1"]
        try await killWhen(run, besideGeneration) { store in
            let samples = try store.samples(cycle: 0)
            let verified = samples.filter { $0.reward != nil }.count
            return verified > 0 && verified < samples.count
        }
        let killed = try RunStore(folder: run).samples(cycle: 0)
        #expect(killed.contains { $0.reward == nil } && killed.contains { $0.reward != nil })
        try expectComplete(try finish(run, besideGeneration))
    }

    @Test func killDuringTrainingThenResume() async throws {
        let run = folder("train")
        try await killWhen(run) { store in try store.cycles().first?.phase == .train }
        #expect(try RunStore(folder: run).cycles().first?.adapter == nil)
        let store = try finish(run)
        try expectComplete(store)
        #expect(try store.cycles().allSatisfy { $0.adapter != nil })
    }
}
