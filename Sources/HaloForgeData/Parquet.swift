internal import Foundation
internal import HaloForgeCore

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

    /// The Pythons that may read Parquet, in order: $HALO_FORGE_PYTHON, the worker's environment,
    /// python3 on PATH. The first with pyarrow reads the file.
    static func pythons() -> [[String]] {
        let env = ProcessInfo.processInfo.environment
        var candidates: [[String]] = []
        if let own = env["HALO_FORGE_PYTHON"], !own.isEmpty { candidates.append([own]) }
        let venv = CacheHome.folder + "/venv/bin/python"
        if FileManager.default.isExecutableFile(atPath: venv) { candidates.append([venv]) }
        candidates.append(["/usr/bin/env", "python3"])
        return candidates
    }

    /// The rows of `path`, one JSON object per line.
    static func jsonLines(_ path: String) throws -> Data {
        var lacking: [String] = []
        for command in pythons() {
            let name = command.count > 1 ? command[1] : command[0]
            guard let (status, data, message) = try? run(command, path: path) else { continue }
            if message.contains("NO_PYARROW") {
                lacking.append(name)
                continue
            }
            guard status == 0 else {
                let last = message.split(separator: "\n").last.map(String.init) ?? "exit \(status)"
                throw DatasetError("\(path): cannot read the Parquet file: \(last)")
            }
            return data
        }
        if lacking.isEmpty { throw DatasetError("\(path): reading Parquet needs Python 3 with pyarrow, and no python3 was found") }
        throw DatasetError(
            "\(path): reading Parquet needs pyarrow, which \(lacking.joined(separator: " and ")) lack\(lacking.count == 1 ? "s" : ""): "
                + "pip install pyarrow (or set HALO_FORGE_PYTHON to a Python that has it, or convert the folder to JSONL)")
    }

    /// Runs the reading script; its exit status, stdout and stderr.
    static func run(_ command: [String], path: String) throws -> (Int32, Data, String) {
        let result = Subprocess.runBlocking(command[0], Array(command.dropFirst()) + ["-c", script, path])
        if result.status == -1 { throw DatasetError(result.stderrText) }
        return (result.status, result.stdout, result.stderrText)
    }
}
