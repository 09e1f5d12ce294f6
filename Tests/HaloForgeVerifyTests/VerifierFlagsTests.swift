import HaloForgeSandbox
import HaloForgeVerify
import Testing

/// The verifier flags' rules and their mapping, without the command line.
@Suite struct VerifierFlagsTests {
    @Test func theDefaultsHaveNoProblemAndMatchTheConfiguration() {
        let flags = VerifierFlags()
        #expect(flags.problem == nil)
        let c = flags.configuration, defaults = VerifierConfiguration()
        #expect(c.cStandard == defaults.cStandard && c.cppStandard == defaults.cppStandard && c.optimization == defaults.optimization)
        #expect(c.warnings == VerifierConfiguration.defaultWarnings)
        #expect(c.runLimits.wallSeconds == 10 && c.runLimits.cpuSeconds == 10 && c.runLimits.memoryMiB == 1024)
        #expect(c.remote == nil && c.customLanguages.isEmpty)
    }

    @Test func eachBadValueIsNamedByItsFlag() {
        func problem(_ change: (inout VerifierFlags) -> Void) -> String? {
            var flags = VerifierFlags()
            change(&flags)
            return flags.problem
        }
        #expect(problem { $0.jobs = 0 } == "--jobs must be at least 1")
        #expect(problem { $0.timeout = 0 } == "--timeout must be positive (seconds)")
        #expect(problem { $0.cpuTime = -1 } == "--cpu-time must be positive (seconds)")
        #expect(problem { $0.compileTimeout = 0 } == "--compile-timeout must be positive (seconds)")
        #expect(problem { $0.memoryMiB = 8 } == "--memory must be at least 16 (MiB)")
        #expect(problem { $0.outputKiB = 0 } == "--output-limit must be at least 1 (KiB)")
        #expect(problem { $0.processes = 0 } == "--processes must be at least 1")
        #expect(problem { $0.fileSizeMiB = 0 } == "--file-size must be at least 1 (MiB)")
        #expect(problem { $0.remoteSessions = 0 } == "--remote-sessions must be at least 1")
        #expect(problem { $0.remoteRun = "{output}" } == "the --remote-… options need --remote HOST")
        #expect(problem { $0.remoteSSHOptions = ["Port=22"] } == "the --remote-… options need --remote HOST")
        #expect(problem { ($0.remote, $0.remoteSSHOptions) = ("h", ["Port"]) } == "--remote-ssh-option 'Port': expected KEY=VALUE")
        #expect(problem { $0.custom = ["rust"] } == "--custom 'rust': expected LANG:EXT:COMPILE[:RUN]")
    }

    @Test func limitsFollowTheTimeoutAndTheDefaultTimeout() {
        var flags = VerifierFlags()
        flags.defaultTimeout = 3
        #expect(flags.configuration.runLimits.wallSeconds == 3 && flags.configuration.runLimits.cpuSeconds == 3)
        (flags.timeout, flags.cpuTime, flags.compileTimeout) = (7, 2, 12)
        let c = flags.configuration
        #expect(c.runLimits.wallSeconds == 7 && c.runLimits.cpuSeconds == 2)
        #expect(c.compileLimits.wallSeconds == 12 && c.compileLimits.cpuSeconds == 12)
    }

    @Test func flagWordsCustomLanguagesAndTheRemoteHostMapThrough() {
        var flags = VerifierFlags()
        (flags.warnings, flags.cflags, flags.custom) = ("-Wall  -Wshadow", "-DX=1 -g", ["rust:rs:rustc {file} -o {output}"])
        (flags.remote, flags.remoteSSHConfig, flags.remoteSSHOptions, flags.remoteSessions, flags.remoteRun) = ("u@h", "/c", ["Port=2222"], 3, "{output}")
        #expect(flags.problem == nil)
        let c = flags.configuration
        #expect(c.warnings == ["-Wall", "-Wshadow"] && c.extraFlags == ["-DX=1", "-g"])
        #expect(c.customLanguages.map(\.name) == ["rust"])
        #expect(c.remote?.host == "u@h" && c.remote?.sshArguments == ["-F", "/c", "-o", "Port=2222"])
        #expect(c.remote?.sessions == 3 && c.remote?.run == "{output}" && c.remote?.compileCpp == nil)
    }
}
