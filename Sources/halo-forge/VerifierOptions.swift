import ArgumentParser
import Foundation
import HaloForgeRAFT
import HaloForgeSandbox
import HaloForgeVerify

/// Flags shared by every command that verifies.
struct VerifierOptions: ParsableArguments {
    @Option(help: "Samples verified at once (default: the number of cores).") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Wall-clock limit for one program run, in seconds (default: 10).") var timeout: Double?
    @Option(help: "CPU-time limit for one program run, in seconds (default: the --timeout).") var cpuTime: Double?
    @Option(help: "Address-space limit for one program run, in MiB.") var memory = VerifierFlags().memoryMiB
    @Option(help: "Wall-clock limit for one compile, in seconds.") var compileTimeout = VerifierFlags().compileTimeout
    @Option(help: "Captured output per stream and run, in KiB; more ends the run.") var outputLimit = VerifierFlags().outputKiB
    @Option(help: "Process and thread limit for one run.") var processes = VerifierFlags().processes
    @Option(help: "Largest file a run may write, in MiB.") var fileSize = VerifierFlags().fileSizeMiB
    @Option(help: "C/C++ compiler family: gcc or clang.") var compiler: CompilerFamily = .gcc
    @Option(help: "C standard (-std=).") var cStd = VerifierFlags().cStandard
    @Option(help: "C++ standard (-std=).") var cppStd = VerifierFlags().cppStandard
    @Option(help: "Optimisation flag for C and C++ programs that run (compile-only checks use -O0).") var optimization = VerifierFlags().optimization
    @Option(help: "Warning flags for C and C++, space-separated (default: -Wall -Wextra minus style-only warnings).") var warnings: String?
    @Option(help: "Extra compiler flags for C and C++, space-separated.") var cflags: String = ""
    @Option(help: "Python interpreter (a name on PATH or a path).") var python = VerifierFlags().python
    @Flag(help: "Run samples that have no tests (exit 0 scores 0.7) instead of stopping at compiling.") var run = false
    @Option(help: "C/C++ target: native, or mingw (Windows PE via x86_64-w64-mingw32-gcc/g++, run under wine when installed).") var target: Target = .native
    @Option(help: "Sandbox: namespaces (default; where the host forbids them, an error says how to allow them), or fallback (rlimits only: model code runs unisolated, as you).") var sandbox: Isolation?

    @Option(help: ArgumentHelp("A custom language, LANG:EXT:COMPILE[:RUN]; templates use {file} and {output}.", discussion: "Example: --custom 'rust:rs:rustc -O {file} -o {output}'. Repeatable.")) var custom: [String] = []
    @Option(help: ArgumentHelp("Verify C and C++ on this build host over SSH: a Host of ~/.ssh/config or user@host.", discussion: "The system ssh client with your config, agent and known_hosts; one connection for the whole run.")) var remote: String?
    @Option(help: "The build host's shell: posix, powershell or cmd (Windows; the default compiler there is cl.exe).") var remoteKind: RemoteHostKind = .posix
    @Option(help: "Remote C++ compile command with {source}, {output}, {compile_only} (default: g++ with the flags above; cl.exe /nologo /EHsc /O2 /W3 on Windows).") var remoteCompile: String?
    @Option(help: "Remote C compile command, as --remote-compile.") var remoteCompileC: String?
    @Option(help: "Remote run command with {output} (default: the program itself).") var remoteRun: String?
    @Option(help: "Folder on the build host for the per-sample scratch folders (default: $TMPDIR or /tmp; %TEMP% on Windows).") var remoteScratch: String?
    @Option(help: "An ssh_config file for the remote connection (ssh -F).") var remoteSSHConfig: String?
    @Option(help: "An ssh option KEY=VALUE for the remote connection (ssh -o), repeatable.") var remoteSSHOption: [String] = []
    @Option(help: "SSH sessions at once over the one connection (OpenSSH's sshd allows 10 by default).") var remoteSessions = VerifierFlags().remoteSessions

    /// See `VerifierFlags.defaultTimeout`.
    var defaultTimeout = VerifierFlags().defaultTimeout

    func validate() throws {
        if let problem = flags.problem { throw ValidationError(problem) }
    }

    var flags: VerifierFlags {
        var f = VerifierFlags()
        (f.jobs, f.timeout, f.defaultTimeout, f.cpuTime, f.memoryMiB, f.compileTimeout) = (jobs, timeout, defaultTimeout, cpuTime, memory, compileTimeout)
        (f.outputKiB, f.processes, f.fileSizeMiB, f.compiler, f.cStandard, f.cppStandard) = (outputLimit, processes, fileSize, compiler, cStd, cppStd)
        (f.optimization, f.warnings, f.cflags, f.python, f.runWithoutTests, f.target) = (optimization, warnings, cflags, python, run, target)
        (f.isolation, f.custom, f.remote, f.remoteKind, f.remoteCompile, f.remoteCompileC) = (sandbox, custom, remote, remoteKind, remoteCompile, remoteCompileC)
        (f.remoteRun, f.remoteScratch, f.remoteSSHConfig, f.remoteSSHOptions, f.remoteSessions) = (remoteRun, remoteScratch, remoteSSHConfig, remoteSSHOption, remoteSessions)
        return f
    }

    /// Builds the verifier and says loudly what protects the host; `choice` (`--verifier`)
    /// sets how prompts that do not say are judged, `run` adds a RAFT run's verifier settings.
    func makeVerifier(quiet: Bool = false, choice: VerifierChoice? = nil, run: RAFTConfiguration? = nil) throws -> Verifier {
        let configuration = run?.verifier(flags.configuration, remoteKind: remoteKind, sessions: remoteSessions) ?? flags.configuration
        return try Verifier.announced(configuration, choice: choice, quiet: quiet)
    }
}

extension CompilerFamily: ExpressibleByArgument {}
extension Isolation: ExpressibleByArgument {}
extension Target: ExpressibleByArgument {}
extension RemoteHostKind: ExpressibleByArgument {}
