import ArgumentParser
import Foundation
import HaloForgeCore
import HaloForgeData
import HaloForgeEngine
import HaloForgeVerify

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show this installation: versions, devices, toolchains, sandbox mode, worker environment, datasets.",
        discussion: """
            Starts the model worker (a few seconds) to report torch's version and device when its
            environment is set up; --no-worker skips that. Nothing is installed or downloaded.
            """)

    @Flag(help: "Do not start the model worker (no torch versions or device).")
    var noWorker = false

    @OptionGroup var options: VerifierOptions

    func run() async throws {
        print("halo-forge \(HaloForge.version)")
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        print(String(format: "host: %@, %d cores, %.1f GiB memory", ProcessInfo.processInfo.operatingSystemVersionString,
                     ProcessInfo.processInfo.activeProcessorCount, memory))

        print("toolchains:")
        do {
            let verifier = try options.makeVerifier(quiet: true)
            let tc = verifier.toolchains
            for (name, tool) in [("C", tc.cc), ("C++", tc.cxx), ("Python", tc.python)] {
                print("  \(name): " + (tool.map { "\($0.path) (\(Self.version(of: $0.path)))" } ?? "missing"))
            }
            for problem in tc.problems { print("  note: \(problem)") }
            for (name, tool, flag) in [("MinGW", "x86_64-w64-mingw32-gcc", "--version"), ("wine", "wine64", "--version"), ("clang", "clang", "--version"), ("ssh", "ssh", "-V")] {
                print("  \(name): " + (Self.which(tool).map { "\($0) (\(Self.version(of: $0, flag: flag)))" } ?? "not installed"))
            }
            print("sandbox: \(verifier.jail.isolation.rawValue) — \(verifier.jail.featureSummary)")
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
        guard ready, !noWorker else { return }
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
