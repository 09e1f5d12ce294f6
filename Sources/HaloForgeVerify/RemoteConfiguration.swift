/// A build host reached over SSH that compiles and runs C and C++ samples (an MSVC
/// build server, a Linux box with another compiler). Command templates use
/// `{source}` (the source file), `{output}` (the program) and `{compile_only}`
/// (`-c` or `/c` when verification stops at compiling, else nothing); they run in
/// the sample's scratch folder on the host, in the kind's shell.
public struct RemoteConfiguration: Sendable, Equatable {
    /// What `ssh` is given as the destination: a Host alias of ~/.ssh/config, `user@host`.
    public var host: String
    public var kind: RemoteHostKind
    /// Extra ssh arguments, e.g. `["-F", "/path/config"]` or `["-o", "Port=2222"]`.
    public var sshArguments: [String] = []
    /// nil: the kind's default (gcc/g++ with the local flags on posix, cl.exe on Windows).
    public var compileC: String?
    public var compileCpp: String?
    /// Run command; nil: the program itself.
    public var run: String?
    /// Parent of the per-sample scratch folders; nil: $TMPDIR or /tmp (posix), %TEMP% (Windows).
    public var scratchRoot: String?
    /// Sessions open at once over the one connection (OpenSSH's sshd allows 10 by default).
    public var sessions = 8

    public init(host: String, kind: RemoteHostKind = .posix) {
        self.host = host
        self.kind = kind
    }

    /// MSVC (cl.exe must be on the remote shell's PATH: a Developer PowerShell, or
    /// `call vcvars64.bat && …` with the cmd kind).
    public static let msvcCpp = "cl.exe /nologo /EHsc /O2 /W3 /Fe:{output} {source}"
    public static let msvcC = "cl.exe /nologo /O2 /W3 /Fe:{output} {source}"

    /// The compile template for C or C++ on this host; `compileOnly`: no program is linked.
    func compileTemplate(cplusplus: Bool, compileOnly: Bool, local: VerifierConfiguration) -> String {
        if let custom = cplusplus ? compileCpp : compileC { return custom }
        if kind.isWindows {
            let msvc = cplusplus ? Self.msvcCpp : Self.msvcC
            return compileOnly ? msvc.replacingOccurrences(of: "/Fe:{output}", with: "/c") : msvc
        }
        let compiler = local.compiler == .gcc ? (cplusplus ? "g++" : "gcc") : (cplusplus ? "clang++" : "clang")
        let words = CompileCommand(
            candidate: local, compiler: compiler, cplusplus: cplusplus, willRun: !compileOnly, source: "{source}",
            output: compileOnly ? "{output}.o" : "{output}"
        ).argv
        return words.map { $0.hasPrefix("{") ? $0 : RemoteShell.posixWord($0) }.joined(separator: " ")
    }
}
