import Foundation
import HaloForgeCore
@testable import HaloForgeEngine
import Testing

/// Lifecycle handling against small stand-in workers written for the purpose: a wrong
/// protocol, a hang, a crash. (The real worker is exercised in EngineTests.)
@Suite struct WorkerLifecycleTests {
    func fakeWorker(_ body: String) throws -> PythonEnvironment {
        let dir = FileManager.default.temporaryDirectory.path + "/hf-fake-worker-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/halo_forge_worker", withIntermediateDirectories: true)
        try "".write(toFile: dir + "/halo_forge_worker/__init__.py", atomically: true, encoding: .utf8)
        try body.write(toFile: dir + "/halo_forge_worker/__main__.py", atomically: true, encoding: .utf8)
        return PythonEnvironment(python: PythonEnvironment.findPython()!, workerDir: dir)
    }

    @Test func protocolMismatchIsDetectedAtStart() async throws {
        let env = try fakeWorker("import json, sys\nprint(json.dumps({'event': 'hello', 'protocol': 99, 'versions': {}}), flush=True)\nsys.stdin.read()\n")
        let worker = Worker(environment: env)
        await #expect(throws: EngineError.self) { try await worker.start() }
        do {
            try await worker.start()
            Issue.record("a worker speaking another protocol was accepted")
        } catch {
            #expect("\(error)".contains("protocol 99"))
        }
    }

    @Test func hangingWorkerTimesOutAndIsKilled() async throws {
        let env = try fakeWorker("import json, sys, time\nprint(json.dumps({'event': 'hello', 'protocol': 1, 'versions': {}}), flush=True)\nfor line in sys.stdin:\n    time.sleep(3600)\n")
        let worker = Worker(environment: env)
        let started = Date()
        do {
            _ = try await worker.request("health", timeout: 1)
            Issue.record("a hanging worker answered")
        } catch {
            #expect("\(error)".contains("did not answer within 1 s"))
        }
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func crashReportsStatusAndLastStderrLines() async throws {
        let env = try fakeWorker("import json, sys\nprint(json.dumps({'event': 'hello', 'protocol': 1, 'versions': {}}), flush=True)\nsys.stdin.readline()\nprint('CUDA out of memory: boom', file=sys.stderr, flush=True)\nsys.exit(3)\n")
        let worker = Worker(environment: env)
        do {
            _ = try await worker.request("generate", timeout: 30)
            Issue.record("a crashing worker answered")
        } catch {
            let text = "\(error)"
            #expect(text.contains("exited with status 3"), "\(text)")
            #expect(text.contains("boom"), "\(text)")
        }
    }

    @Test func missingInterpreterIsAOneLineError() async throws {
        let worker = Worker(environment: PythonEnvironment(python: "/nonexistent/python3", workerDir: "/tmp"))
        do {
            try await worker.start()
            Issue.record("a missing interpreter started")
        } catch {
            #expect("\(error)".hasPrefix("cannot start the worker with /nonexistent/python3"))
            #expect(!"\(error)".contains("\n"))
        }
    }
}
