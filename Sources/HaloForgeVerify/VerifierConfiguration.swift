internal import HaloForgeCore
public import HaloForgeSandbox

/// The C compiler family used for C and C++.
public enum CompilerFamily: String, Sendable, CaseIterable {
    case gcc
    case clang
}

/// The platform C and C++ programs are built for.
public enum Target: String, Sendable, CaseIterable {
    /// The host's own compiler; programs run directly in the jail.
    case native
    /// Windows PE through MinGW-w64; programs run under wine in the jail when it is installed.
    case mingw
}

/// A custom verifier for a language halo-forge does not ship: command templates with
/// `{file}` (the source) and `{output}` (a path the compile step may write).
public struct CustomLanguage: Sendable, Equatable {
    public var name: String
    /// File extension of the source, without the dot.
    public var fileExtension: String
    /// Compile or check command; exit 0 means it compiles, a "warning" on its output
    /// means it compiles with warnings, anything else is a syntax/compile error.
    public var compile: String?
    /// Run command for I/O tests and `--run`; the default is `{output}`.
    public var run: String?

    public init(name: String, fileExtension: String, compile: String?, run: String?) {
        self.name = name
        self.fileExtension = fileExtension
        self.compile = compile
        self.run = run
    }
}

/// Everything that decides a verdict besides the sample itself.
public struct VerifierConfiguration: Sendable {
    public var compiler: CompilerFamily = .gcc
    public var cStandard = "gnu17"
    public var cppStandard = "gnu++20"
    /// Optimisation for programs that will run; compile-only checks use -O0 (faster, same errors).
    public var optimization = "-O2"
    /// -Wall -Wextra minus the style-only warnings that say nothing about correctness.
    public static let defaultWarnings = [
        "-Wall", "-Wextra", "-Wno-sign-compare", "-Wno-unused-parameter", "-Wno-unused-variable",
        "-Wno-unused-but-set-variable", "-Wno-unused-function", "-Wno-tautological-compare",
    ]
    public var warnings = VerifierConfiguration.defaultWarnings
    /// Added for C++ only (gcc warns about C++-only flags given to C).
    public var cppWarnings = ["-Wno-reorder"]
    /// Extra flags for every C and C++ compile.
    public var extraFlags: [String] = []
    /// Libraries linked into every program.
    public var libraries = ["-lm"]
    /// Python interpreter on the host (resolved to its real path).
    public var python = "python3"
    public var compileLimits = Limits.compile
    public var runLimits = Limits(wallSeconds: 10, cpuSeconds: 10, memoryMiB: 1024)
    /// Run samples that have no tests (exit 0 reaches 0.7) instead of stopping at compiling.
    public var runWithoutTests = false
    /// Verdicts a verifier keeps for samples it sees again (0: none).
    public var verdictCacheSize = 4096
    /// Where precompiled headers, forwarded test programs and answering objects (none holds
    /// candidate code) are kept across runs; nil: built anew by each verifier.
    public var buildCache: String? = CacheHome.folder + "/build-cache"
    public var customLanguages: [CustomLanguage] = []
    public var jail = JailConfiguration()
    /// Where C and C++ programs are built for; `mingw` cross-compiles and runs them under wine.
    public var target: Target = .native
    /// MinGW-w64 cross compilers and the wine loader (names on PATH or paths), for `target == .mingw`.
    public var mingwCC = "x86_64-w64-mingw32-gcc"
    public var mingwCXX = "x86_64-w64-mingw32-g++"
    public var wine = "wine64"
    /// A build host over SSH: when set, C and C++ are compiled and run there.
    public var remote: RemoteConfiguration?

    public init() {}

    public var customLanguageNames: Set<String> { Set(customLanguages.map(\.name)) }
}
