/// A C or C++ compiler command line: the one place the verifier's settings become gcc/clang
/// arguments, shared by the native, MinGW and remote verifiers and the bare-tools baseline,
/// so they compile a candidate the same way.
public struct CompileCommand: Sendable, Equatable {
    public var compiler: String
    /// `-std=` value; nil leaves the compiler's default.
    public var standard: String?
    /// `-O2`, `-O0`; nil leaves the compiler's default.
    public var optimization: String?
    public var extraFlags: [String] = []
    public var includeDirs: [String] = []
    /// Flags about how diagnostics are written (not which): `-pipe -fdiagnostics-color=never`.
    public var diagnostics: [String] = []
    public var warnings: [String] = []
    /// Before the output: `-static` for MinGW.
    public var linkFlags: [String] = []
    public var output: String
    public var sources: [String]
    /// Link an executable; otherwise stop at an object (`-c`).
    public var link: Bool
    /// After the sources, when linking.
    public var libraries: [String] = []

    public init(
        compiler: String, standard: String? = nil, optimization: String? = nil, output: String, sources: [String], link: Bool
    ) {
        self.compiler = compiler
        self.standard = standard
        self.optimization = optimization
        self.output = output
        self.sources = sources
        self.link = link
    }

    /// How the verifier compiles a candidate: its standard, its optimisation when the program
    /// will run (`-O0` when it only has to compile), its warnings and libraries.
    public init(
        candidate configuration: VerifierConfiguration, compiler: String, cplusplus: Bool, willRun: Bool, source: String, output: String
    ) {
        self.init(
            compiler: compiler, standard: cplusplus ? configuration.cppStandard : configuration.cStandard,
            optimization: willRun ? configuration.optimization : "-O0", output: output, sources: [source], link: willRun)
        extraFlags = configuration.extraFlags
        diagnostics = ["-pipe", "-fdiagnostics-color=never"]
        warnings = configuration.warnings + (cplusplus ? configuration.cppWarnings : [])
        libraries = configuration.libraries
    }

    /// The flags that shape the generated code (a precompiled header must be built with them).
    public var codeFlags: [String] {
        (standard.map { ["-std=" + $0] } ?? []) + (optimization.map { [$0] } ?? []) + extraFlags
    }

    /// The arguments after the compiler's path.
    public var arguments: [String] {
        var words = codeFlags + includeDirs.flatMap { ["-I", $0] } + diagnostics + warnings
        words += link ? linkFlags + ["-o", output] + sources + libraries : ["-c", "-o", output] + sources
        return words
    }

    public var argv: [String] { [compiler] + arguments }
}
