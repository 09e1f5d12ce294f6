public import HaloForgeSandbox

/// The verifier's command-line settings as plain values, checked and turned into a
/// `VerifierConfiguration` here so every command that verifies reads them the same way and the
/// rules are tested without the command line.
public struct VerifierFlags: Sendable {
    public var jobs = 1
    /// Wall-clock limit for one program run; nil: `defaultTimeout`.
    public var timeout: Double?
    /// The run limit when `timeout` is not given; a command whose programs are known to be
    /// quick (the demo's built-in tasks) lowers it so a model's endless loops cost less.
    public var defaultTimeout: Double = 10
    /// CPU-time limit for one program run; nil: the wall-clock limit.
    public var cpuTime: Double?
    public var memoryMiB = 1024
    public var compileTimeout: Double = 30
    public var outputKiB = 1024
    public var processes = 64
    public var fileSizeMiB = 64
    public var compiler: CompilerFamily = .gcc
    public var cStandard = VerifierConfiguration().cStandard
    public var cppStandard = VerifierConfiguration().cppStandard
    public var optimization = VerifierConfiguration().optimization
    /// Space-separated warning flags; nil: `VerifierConfiguration.defaultWarnings`.
    public var warnings: String?
    /// Space-separated extra compiler flags.
    public var cflags = ""
    public var python = VerifierConfiguration().python
    public var runWithoutTests = false
    public var target: Target = .native
    /// nil: namespaces, or an error saying how to allow them.
    public var isolation: Isolation?
    /// `LANG:EXT:COMPILE[:RUN]` specs.
    public var custom: [String] = []
    /// The SSH build host for C and C++; every `remote…` value below needs it.
    public var remote: String?
    public var remoteKind: RemoteHostKind = .posix
    public var remoteCompile: String?
    public var remoteCompileC: String?
    public var remoteRun: String?
    public var remoteScratch: String?
    public var remoteSSHConfig: String?
    /// `KEY=VALUE` options for `ssh -o`.
    public var remoteSSHOptions: [String] = []
    public var remoteSessions = 8

    public init() {}

    public var wallTimeout: Double { timeout ?? defaultTimeout }

    /// What is wrong with these values, named by flag; nil when nothing is.
    public var problem: String? {
        if jobs < 1 { return "--jobs must be at least 1" }
        if let timeout, !(timeout > 0) { return "--timeout must be positive (seconds)" }
        if let cpuTime, !(cpuTime > 0) { return "--cpu-time must be positive (seconds)" }
        if !(compileTimeout > 0) { return "--compile-timeout must be positive (seconds)" }
        if memoryMiB < 16 { return "--memory must be at least 16 (MiB)" }
        if outputKiB < 1 { return "--output-limit must be at least 1 (KiB)" }
        if processes < 1 { return "--processes must be at least 1" }
        if fileSizeMiB < 1 { return "--file-size must be at least 1 (MiB)" }
        if remoteSessions < 1 { return "--remote-sessions must be at least 1" }
        let remoteValues: [Any?] = [remoteCompile, remoteCompileC, remoteRun, remoteScratch, remoteSSHConfig]
        if remote == nil && (remoteValues.contains { $0 != nil } || !remoteSSHOptions.isEmpty) { return "the --remote-… options need --remote HOST" }
        if let option = remoteSSHOptions.first(where: { !$0.contains("=") }) { return "--remote-ssh-option '\(option)': expected KEY=VALUE" }
        if let spec = custom.first(where: { (try? CustomLanguage(spec: $0)) == nil }) { return "--custom '\(spec)': expected LANG:EXT:COMPILE[:RUN]" }
        return nil
    }

    /// The verifier these values describe; a spec that `problem` would name is left out.
    public var configuration: VerifierConfiguration {
        var c = VerifierConfiguration()
        (c.compiler, c.cStandard, c.cppStandard, c.optimization) = (compiler, cStandard, cppStandard, optimization)
        if let warnings { c.warnings = Self.words(warnings) }
        (c.extraFlags, c.python, c.runWithoutTests, c.jail.isolation, c.target) = (Self.words(cflags), python, runWithoutTests, isolation, target)
        c.runLimits = Limits(
            wallSeconds: wallTimeout, cpuSeconds: cpuTime ?? wallTimeout, memoryMiB: memoryMiB, fileSizeMiB: fileSizeMiB,
            processes: processes, openFiles: 256, outputKiB: outputKiB)
        (c.compileLimits.wallSeconds, c.compileLimits.cpuSeconds) = (compileTimeout, compileTimeout)
        c.customLanguages = custom.compactMap { try? CustomLanguage(spec: $0) }
        if let remote {
            var r = RemoteConfiguration(host: remote, kind: remoteKind)
            r.sshArguments = (remoteSSHConfig.map { ["-F", $0] } ?? []) + remoteSSHOptions.flatMap { ["-o", $0] }
            (r.compileCpp, r.compileC, r.run, r.scratchRoot, r.sessions) = (remoteCompile, remoteCompileC, remoteRun, remoteScratch, remoteSessions)
            c.remote = r
        }
        return c
    }

    static func words(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }
}
