public import Foundation
internal import HaloForgeCore
internal import HaloForgeData
internal import HaloForgeEngine
internal import HaloForgeRAFT
public import HaloForgeVerify

/// `halo-forge info` and `model setup`: what this installation has, and its worker environment made.
public enum Installation {
    /// Prints versions, host, toolchains, sandbox, datasets and the worker; starts the worker
    /// (a few seconds) when `startWorker` and its environment is set up. Installs nothing.
    public static func report(version: String, startWorker: Bool, makeVerifier: () throws -> Verifier) async {
        print("halo-forge \(version)")
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        print(String(format: "host: %@, %d cores, %.1f GiB memory", ProcessInfo.processInfo.operatingSystemVersionString,
                     ProcessInfo.processInfo.activeProcessorCount, memory))

        print("toolchains:")
        do {
            let verifier = try makeVerifier()
            let tc = verifier.toolchains
            for (name, tool) in [("C", tc.cc), ("C++", tc.cxx), ("Python", tc.python)] {
                print("  \(name): " + (tool.map { "\($0.path) (\(Self.version(of: $0.path)))" } ?? "missing"))
            }
            for problem in tc.problems { print("  note: \(problem)") }
            for (name, tool, flag) in [("MinGW", "x86_64-w64-mingw32-gcc", "--version"), ("wine", "wine64", "--version"), ("clang", "clang", "--version"), ("ssh", "ssh", "-V")] {
                print("  \(name): " + (Self.which(tool).map { "\($0) (\(Self.version(of: $0, flag: flag)))" } ?? "not installed"))
            }
            print("sandbox: \(verifier.jail.isolation.rawValue) — \(verifier.jail.featureSummary)")
            print("build cache: " + (verifier.buildCacheFolder.map { "\($0) (\(Self.megabytes(in: $0)) MB; test programs and precompiled headers, no candidate code)" } ?? "off"))
        } catch {
            print("  verifier unavailable: \(error)")
        }

        print("datasets: \(Datasets.defaultFolder())")
        print("worker:")
        print("  home: \(PythonEnvironment.home)")
        do { print("  package: \(try PythonEnvironment.locateWorker())") } catch { print("  package: \(error)") }
        let own = ProcessInfo.processInfo.environment["HALO_FORGE_PYTHON"]
        let venv = PythonEnvironment.home + "/venv"
        let ready = own != nil || FileManager.default.fileExists(atPath: venv + "/.halo-forge-requirements")
        print("  python: " + (own.map { "\($0) (HALO_FORGE_PYTHON)" } ?? (ready ? venv + "/bin/python" : "not set up: run `halo-forge model setup` (creates \(venv))")))
        guard ready, startWorker else { return }
        do {
            let environment = try PythonEnvironment.prepare()
            let engine = Engine(environment: environment)
            let hello = try await engine.start()
            await engine.shutdown()
            print("  versions: " + hello.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            print("  device: \(hello.device), \(hello.threads) threads (worker protocol \(hello.protocolVersion))")
        } catch {
            print("  worker does not start: \(error)")
        }
    }

    /// The size of everything under `folder`, in whole megabytes.
    static func megabytes(in folder: String) -> Int {
        let fm = FileManager.default
        let total = (fm.enumerator(atPath: folder)?.allObjects as? [String] ?? []).reduce(0) { sum, name in
            sum + ((try? fm.attributesOfItem(atPath: folder + "/" + name)[.size] as? Int) ?? 0)
        }
        return total / 1_000_000
    }

    /// Creates or repairs the worker's environment (with the trackers, and vLLM's own environment,
    /// when asked) and checks that the worker starts.
    public static func setup(trackers: Bool, vllm: Bool) async throws {
        if vllm {
            do {
                let started = Date()
                let env = try VLLMEnvironment.prepare { Terminal.note($0) }
                print(String(format: "vllm: %@ in %@ (%.0f s)", env.package, env.python, Date().timeIntervalSince(started)))
            } catch {
                throw CommandError("\(error)")
            }
        }
        let env = try PythonEnvironment.prepare { Terminal.note($0) }
        if trackers {
            Terminal.note("installing \(env.workerDir)/\(TrackerReporter.requirementsFile) into \(env.python)")
            do { try TrackerReporter.install(into: env) } catch { throw CommandError("\(error)") }
        }
        let engine = Engine(environment: env)
        do {
            let hello = try await engine.start()
            print("python \(env.python)")
            print("worker protocol \(hello.protocolVersion); " + hello.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "; device \(hello.device)")
        } catch {
            await engine.shutdown()
            throw CommandError("\(error)")
        }
        await engine.shutdown()
    }

    /// The first line of `tool --version` (or another flag), or "version unknown".
    static func version(of tool: String, flag: String = "--version") -> String {
        let result = Subprocess.runBlocking(
            tool, [flag], timeout: 30, environment: ProcessInfo.processInfo.environment.merging(["WINEDEBUG": "-all"]) { $1 })
        guard result.status != -1 else { return "version unknown" }
        let line = (result.stdoutText + result.stderrText).split(separator: "\n").first.map(String.init) ?? ""
        return line.isEmpty ? "version unknown" : line
    }

    /// The path of `name` on PATH, if any.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
