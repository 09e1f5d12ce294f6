internal import Foundation

/// Parquet files (Hugging Face dataset repositories ship them) read as JSON lines through
/// Python's pyarrow: the project's Python ($HALO_FORGE_PYTHON, the worker's environment), else
/// python3 on PATH.
enum Parquet {
    static let script = """
        import json, sys
        try:
            import pyarrow.parquet as pq
        except ImportError:
            sys.stderr.write("NO_PYARROW\\n")
            sys.exit(3)
        for batch in pq.ParquetFile(sys.argv[1]).iter_batches(batch_size=1024):
            for row in batch.to_pylist():
                sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\\n")
        """

    /// The Python that reads Parquet, and how a person would name it.
    static func python() -> [String] {
        let env = ProcessInfo.processInfo.environment
        if let own = env["HALO_FORGE_PYTHON"], !own.isEmpty { return [own] }
        let home = env["HALO_FORGE_HOME"] ?? ((env["XDG_CACHE_HOME"] ?? NSHomeDirectory() + "/.cache") + "/halo-forge")
        let venv = home + "/venv/bin/python"
        if FileManager.default.isExecutableFile(atPath: venv) { return [venv] }
        return ["/usr/bin/env", "python3"]
    }

    /// The rows of `path`, one JSON object per line.
    static func jsonLines(_ path: String) throws -> Data {
        let command = python()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst()) + ["-c", script, path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw DatasetError("\(path): reading Parquet needs Python 3 with pyarrow: cannot start \(command.joined(separator: " ")): \(error)")
        }
        // Read stderr beside stdout so neither pipe fills and stalls the reader.
        let errors = LockedData()
        let drain = Thread { errors.set(err.fileHandleForReading.readDataToEndOfFile()) }
        drain.start()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errors.isSet { usleep(1000) }
        let message = String(decoding: errors.value, as: UTF8.self)
        let who = command.last == "python3" ? "python3" : command[0]
        if message.contains("NO_PYARROW") {
            throw DatasetError("\(path): reading Parquet needs pyarrow, which \(who) lacks: pip install pyarrow (or convert the folder to JSONL)")
        }
        guard process.terminationStatus == 0 else {
            let last = message.split(separator: "\n").last.map(String.init) ?? "exit \(process.terminationStatus)"
            throw DatasetError("\(path): cannot read the Parquet file: \(last)")
        }
        return data
    }
}

/// Bytes handed from one thread to another.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}
