import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HaloForgeEngine
import Testing

/// The built `halo-forge` next to the test bundle.
let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("halo-forge").path

let scratch: String = {
    let folder = FileManager.default.temporaryDirectory.path + "/hf-serve-tests-\(getpid())"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}()

struct Finished {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a command to its end (stdout and stderr through files, so neither pipe fills).
func runCommand(_ executable: String, _ arguments: [String], timeout: Double = 300) async throws -> Finished {
    let id = UUID().uuidString
    let out = scratch + "/\(id).out", err = scratch + "/\(id).err"
    FileManager.default.createFile(atPath: out, contents: nil)
    FileManager.default.createFile(atPath: err, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
    if process.isRunning {
        process.terminate()
        Issue.record("\(executable) \(arguments.joined(separator: " ")) ran past \(timeout) s")
    }
    process.waitUntilExit()
    return Finished(
        status: process.terminationStatus, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
}

/// A server process that prints its URL on stdout (`... http://127.0.0.1:PORT...`) once it listens.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let url: String
    let stderrPath: String

    init(_ executable: String, _ arguments: [String], timeout: Double = 300) throws {
        let id = UUID().uuidString
        let out = scratch + "/\(id).out"
        stderrPath = scratch + "/\(id).err"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                url = String(text[range])
                return
            }
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                let log = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
                throw ServerStartError(description: "\(executable) \(arguments.joined(separator: " ")) did not start: \(log.suffix(2000))")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// SIGINT (Ctrl-C) for halo-forge, SIGTERM for the scripted server (a child may inherit an ignored SIGINT).
    func stop(signal: Int32 = SIGTERM) {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            Issue.record("\(process.executableURL?.path ?? "?") did not stop on signal \(signal)")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }
}

struct ServerStartError: Error, CustomStringConvertible {
    var description: String
}

/// A scripted OpenAI-compatible server on loopback, for what `halo-forge serve` never does:
/// ignoring or rejecting `n`, failing with 503, answering with fixed task replies. It
/// counts the requests it saw (`GET /stats`).
let fakeServerScript = #"""
import json, signal, sys, time
# A child of a Swift process may start with signals blocked: let SIGTERM end it.
signal.pthread_sigmask(signal.SIG_SETMASK, [])
signal.signal(signal.SIGTERM, signal.SIG_DFL)
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

mode = sys.argv[1]
stats = {"requests": 0, "with_n": 0, "rejected": 0, "failed": 0}

CORRECT = {"task": "Write add(a, b) that returns the sum of a and b.",
           "tests": "assert add(1, 2) == 3\nassert add(-1, 1) == 0\nassert add(10, 5) == 15",
           "solution": "def add(a, b):\n    return a + b\n"}
WRONG = {"task": "Write mul(a, b) that returns the product of a and b.",
         "tests": ["assert mul(2, 3) == 6", "assert mul(0, 5) == 0"],
         "solution": "```python\ndef mul(a, b):\n    return a + b\n```"}

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/stats":
            return self.reply(200, stats)
        self.reply(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        stats["requests"] += 1
        n = body.get("n", 1)
        if n != 1:
            stats["with_n"] += 1
        if mode == "slow":
            time.sleep(3)
        if mode == "flaky" and stats["failed"] == 0:
            stats["failed"] += 1
            return self.reply(503, {"error": {"message": "warming up"}})
        if mode == "reject" and n != 1:
            stats["rejected"] += 1
            return self.reply(400, {"error": {"message": "n must be 1", "type": "invalid_request_error"}})
        seed = body.get("seed", 0)
        if mode == "tasks":
            # seed 0: a task whose solution passes its tests; 1: one whose solution fails them; else prose
            choice = json.dumps(CORRECT) if seed == 0 else "Here it is:\n```json\n" + json.dumps(WRONG) + "\n```" if seed == 1 else "Sorry, I cannot."
            message = {"role": "assistant", "content": choice}
            return self.reply(200, {"object": "chat.completion", "model": "fake-model",
                                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                                    "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30}})
        prompt = body.get("prompt") or body["messages"][-1]["content"]
        text = f"{prompt} seed={seed}"
        choices = [{"index": 0, "text": text, "finish_reason": "stop"}]  # ignores n: always one choice
        self.reply(200, {"object": "text_completion", "model": "fake-model", "choices": choices,
                         "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}})

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
"""#

/// Starts the scripted server in `mode` (ignore, reject, flaky, slow, tasks).
func fakeServer(_ mode: String) throws -> ServerProcess {
    let script = scratch + "/fake_openai_server.py"
    try fakeServerScript.write(toFile: script, atomically: true, encoding: .utf8)
    return try ServerProcess("/usr/bin/env", ["python3", script, mode], timeout: 30)
}

/// The fake server's request counts.
func stats(_ server: ServerProcess) async throws -> [String: Int] {
    let (data, _) = try await URLSession.shared.data(from: URL(string: server.url + "/stats")!)
    return try JSONDecoder().decode([String: Int].self, from: data)
}
