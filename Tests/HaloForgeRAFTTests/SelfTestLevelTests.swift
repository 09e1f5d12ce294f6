import Foundation
import Testing

/// `halo-forge test --level …` as a user runs it: the real binary, worker and tiny model.
@Suite(.serialized) struct SelfTestLevelTests {
    var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("halo-forge").path
    }

    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func fullLevelPassesEveryCheck() throws {
        let (status, output) = try run(["test", "--level", "full"])
        #expect(status == 0, "\(output)")
        for name in ["C compiler", "sandbox", "model worker starts", "tiny model loads", "generate", "one training step", "one RAFT cycle"] {
            #expect(output.contains("✓ \(name)"), "missing ✓ \(name) in:\n\(output)")
        }
        #expect(!output.contains("✗"))
        #expect(output.contains("12 samples generated and verified"))
    }

    @Test func standardLevelFailsWithoutItsPython() throws {
        let (status, output) = try run(["test", "--level", "standard"], environment: ["HALO_FORGE_PYTHON": "/nonexistent/python3"])
        #expect(status != 0)
        #expect(output.contains("✗ Python environment"), "\(output)")
        #expect(!output.contains("one RAFT cycle"))
        #expect(output.contains("1 check(s) failed"))
    }
}
