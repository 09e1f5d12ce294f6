import ArgumentParser
import Foundation
import HaloForgeRAFT
import HaloForgeSandbox
import HaloForgeVerify

/// Flags shared by every command that verifies.
struct VerifierOptions: ParsableArguments {
    @Option(help: "Samples verified at once (default: the number of cores).") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Wall-clock limit for one program run, in seconds (default: 10).") var timeout: Double?

    /// The run limit when --timeout is not given; a command whose programs are known to be
    /// quick (the demo's built-in tasks) lowers it so a model's endless loops cost less.
    var defaultTimeout: Double = 10
    var wallTimeout: Double { timeout ?? defaultTimeout }

    @Option(help: "CPU-time limit for one program run, in seconds (default: the --timeout).") var cpuTime: Double?
    @Option(help: "Address-space limit for one program run, in MiB.") var memory: Int = 1024
    @Option(help: "Wall-clock limit for one compile, in seconds.") var compileTimeout: Double = 30
    @Option(help: "Captured output per stream and run, in KiB; more ends the run.") var outputLimit: Int = 1024
    @Option(help: "Process and thread limit for one run.") var processes: Int = 64
    @Option(help: "Largest file a run may write, in MiB.") var fileSize: Int = 64
    @Option(help: "C/C++ compiler family: gcc or clang.") var compiler: CompilerFamily = .gcc
    @Option(help: "C standard (-std=).") var cStd: String = "gnu17"
    @Option(help: "C++ standard (-std=).") var cppStd: String = "gnu++20"
    @Option(help: "Optimisation flag for C and C++ programs that run (compile-only checks use -O0).") var optimization: String = "-O2"
    @Option(help: "Warning flags for C and C++, space-separated (default: -Wall -Wextra minus style-only warnings).") var warnings: String?
    @Option(help: "Extra compiler flags for C and C++, space-separated.") var cflags: String = ""
    @Option(help: "Python interpreter (a name on PATH or a path).") var python: String = "python3"
    @Flag(help: "Run samples that have no tests (exit 0 scores 0.7) instead of stopping at compiling.") var run = false
    @Option(help: "C/C++ target: native, or mingw (Windows PE via x86_64-w64-mingw32-gcc/g++, run under wine when installed).") var target: Target = .native
    @Option(help: "Sandbox: namespaces (default; where the host forbids them, an error says how to allow them), or fallback (rlimits only: model code runs unisolated, as you).") var sandbox: Isolation?

    @Option(
        name: .customLong("custom"),
        help: ArgumentHelp(
            "A custom language, LANG:EXT:COMPILE[:RUN]; templates use {file} and {output}.",
            discussion: "Example: --custom 'rust:rs:rustc -O {file} -o {output}'. Repeatable."))
    var custom: [String] = []

    @Option(
        help: ArgumentHelp(
            "Verify C and C++ on this build host over SSH: a Host of ~/.ssh/config or user@host.",
            discussion: "The system ssh client with your config, agent and known_hosts; one connection for the whole run."))
    var remote: String?

    @Option(help: "The build host's shell: posix, powershell or cmd (Windows; the default compiler there is cl.exe).") var remoteKind: RemoteHostKind = .posix
    @Option(help: "Remote C++ compile command with {source}, {output}, {compile_only} (default: g++ with the flags above; cl.exe /nologo /EHsc /O2 /W3 on Windows).") var remoteCompile: String?
    @Option(help: "Remote C compile command, as --remote-compile.") var remoteCompileC: String?
    @Option(help: "Remote run command with {output} (default: the program itself).") var remoteRun: String?
    @Option(help: "Folder on the build host for the per-sample scratch folders (default: $TMPDIR or /tmp; %TEMP% on Windows).") var remoteScratch: String?
    @Option(help: "An ssh_config file for the remote connection (ssh -F).") var remoteSSHConfig: String?
    @Option(help: "An ssh option KEY=VALUE for the remote connection (ssh -o), repeatable.") var remoteSSHOption: [String] = []
    @Option(help: "SSH sessions at once over the one connection (OpenSSH's sshd allows 10 by default).") var remoteSessions: Int = 8

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be positive (seconds)") }
        if memory < 16 { throw ValidationError("--memory must be at least 16 (MiB)") }
        if remoteSessions < 1 { throw ValidationError("--remote-sessions must be at least 1") }
        if remote == nil && (remoteCompile != nil || remoteCompileC != nil || remoteRun != nil || remoteScratch != nil || remoteSSHConfig != nil || !remoteSSHOption.isEmpty) {
            throw ValidationError("the --remote-… options need --remote HOST")
        }
        for option in remoteSSHOption where !option.contains("=") {
            throw ValidationError("--remote-ssh-option '\(option)': expected KEY=VALUE")
        }
        for spec in custom where (try? CustomLanguage(spec: spec)) == nil {
            throw ValidationError("--custom '\(spec)': expected LANG:EXT:COMPILE[:RUN]")
        }
    }

    var configuration: VerifierConfiguration {
        var c = VerifierConfiguration()
        c.compiler = compiler
        c.cStandard = cStd
        c.cppStandard = cppStd
        c.optimization = optimization
        if let warnings { c.warnings = warnings.split(separator: " ").map(String.init) }
        c.extraFlags = cflags.split(separator: " ").map(String.init)
        c.python = python
        c.runLimits = Limits(
            wallSeconds: wallTimeout, cpuSeconds: cpuTime ?? wallTimeout, memoryMiB: memory, fileSizeMiB: fileSize,
            processes: processes, openFiles: 256, outputKiB: outputLimit)
        c.compileLimits.wallSeconds = compileTimeout
        c.compileLimits.cpuSeconds = compileTimeout
        c.runWithoutTests = run
        c.jail.isolation = sandbox
        c.target = target
        // validate() has checked every spec.
        c.customLanguages = custom.compactMap { try? CustomLanguage(spec: $0) }
        if let remote {
            var r = RemoteConfiguration(host: remote, kind: remoteKind)
            r.sshArguments = (remoteSSHConfig.map { ["-F", $0] } ?? []) + remoteSSHOption.flatMap { ["-o", $0] }
            r.compileCpp = remoteCompile
            r.compileC = remoteCompileC
            r.run = remoteRun
            r.scratchRoot = remoteScratch
            r.sessions = remoteSessions
            c.remote = r
        }
        return c
    }

    /// Builds the verifier and says loudly what protects the host; `choice` (`--verifier`)
    /// sets how prompts that do not say are judged, `run` adds a RAFT run's verifier settings.
    func makeVerifier(quiet: Bool = false, choice: VerifierChoice? = nil, run: RAFTConfiguration? = nil) throws -> Verifier {
        let configuration = run?.verifier(configuration, remoteKind: remoteKind, sessions: remoteSessions) ?? configuration
        return try Verifier.announced(configuration, choice: choice, quiet: quiet)
    }
}

extension CompilerFamily: ExpressibleByArgument {}
extension Isolation: ExpressibleByArgument {}
extension Target: ExpressibleByArgument {}
extension RemoteHostKind: ExpressibleByArgument {}
