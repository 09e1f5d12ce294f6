internal import Foundation
internal import HaloForgeCore

public struct EngineError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The Python environment the model worker runs in: a virtual environment halo-forge
/// creates and repairs itself from `python/requirements.txt`, or an interpreter the
/// user brings (`HALO_FORGE_PYTHON`, e.g. one with a CUDA or ROCm torch).
public struct PythonEnvironment: Sendable {
    /// The interpreter that runs the worker.
    public var python: String
    /// The folder holding the `halo_forge_worker` package.
    public var workerDir: String

    /// halo-forge's own folder: $HALO_FORGE_HOME, else ~/.cache/halo-forge.
    public static var home: String { CacheHome.folder }

    /// Finds the worker package: $HALO_FORGE_WORKER_DIR, else a `python/` folder above the
    /// executable or the working directory (a checkout or an install tree).
    public static func locateWorker() throws -> String {
        let fm = FileManager.default
        if let dir = ProcessInfo.processInfo.environment["HALO_FORGE_WORKER_DIR"] { return dir }
        var starts = [fm.currentDirectoryPath]
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() { starts.insert(exe.deletingLastPathComponent().path, at: 0) }
        for start in starts {
            var url = URL(fileURLWithPath: start)
            for _ in 0..<8 {
                let candidate = url.appendingPathComponent("python")
                if fm.fileExists(atPath: candidate.appendingPathComponent("halo_forge_worker/__init__.py").path) {
                    return candidate.path
                }
                url.deleteLastPathComponent()
            }
        }
        throw EngineError("cannot find the halo-forge worker (python/halo_forge_worker): set HALO_FORGE_WORKER_DIR to the checkout's python/ folder")
    }

    /// The environment, created or repaired on first need. `log` receives one line per step.
    public static func prepare(log: @Sendable (String) -> Void = { _ in }) throws -> PythonEnvironment {
        let workerDir = try locateWorker()
        if let own = ProcessInfo.processInfo.environment["HALO_FORGE_PYTHON"] {
            guard FileManager.default.isExecutableFile(atPath: own) else {
                throw EngineError("HALO_FORGE_PYTHON=\(own) is not an executable file: point it at a Python with torch, transformers and peft, or unset it to use halo-forge's own environment")
            }
            return PythonEnvironment(python: own, workerDir: workerDir)
        }
        let requirementsPath = workerDir + "/requirements.txt"
        guard let requirements = FileManager.default.contents(atPath: requirementsPath) else {
            throw EngineError("cannot read \(requirementsPath)")
        }
        let venv = home + "/venv"
        let python = venv + "/bin/python"
        let marker = venv + "/.halo-forge-requirements"
        let wanted = String(decoding: requirements, as: UTF8.self)
        if FileManager.default.contents(atPath: marker).map({ String(decoding: $0, as: UTF8.self) }) == wanted,
            FileManager.default.isExecutableFile(atPath: python)
        {
            return PythonEnvironment(python: python, workerDir: workerDir)
        }
        guard let system = findPython() else {
            throw EngineError("Python 3 not found: install Python 3.11 (Debian: apt-get install python3 python3-venv) or set HALO_FORGE_PYTHON")
        }
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        if !FileManager.default.isExecutableFile(atPath: python) {
            log("creating the Python environment in \(venv)")
            try run(system, ["-m", "venv", venv], what: "creating the virtual environment (Debian: apt-get install python3-venv)")
        } else {
            log("repairing the Python environment in \(venv): requirements changed")
        }
        log("installing \(requirementsPath) (torch, transformers, peft; about a minute)")
        try run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirementsPath], what: "installing the worker's requirements")
        try Data(wanted.utf8).write(to: URL(fileURLWithPath: marker))
        return PythonEnvironment(python: python, workerDir: workerDir)
    }

    static func findPython() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["python3.11", "python3"] {
            for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    /// Runs a set-up step, its output on stderr; a failure names `what` and the step's last lines.
    public static func run(_ executable: String, _ arguments: [String], what: String) throws {
        let result = Subprocess.runBlocking(executable, arguments, stdout: .forward(STDERR_FILENO))
        guard result.status == 0 else {
            let last = result.stderrText.split(separator: "\n").suffix(3).joined(separator: " | ")
            throw EngineError("\(what) failed (exit \(result.status)): \(last)")
        }
    }
}
