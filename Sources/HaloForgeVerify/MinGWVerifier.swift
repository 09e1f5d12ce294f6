internal import Foundation
internal import HaloForgeCore
internal import HaloForgeSandbox

/// The MinGW-w64 cross compilers and wine, found once at start-up.
struct MinGWToolchain: Sendable {
    var cc: Tool?
    var cxx: Tool?
    var wine: Tool?
    /// One line per missing tool, saying what to install.
    var problems: [String] = []
    var wineProblem: String?

    static func discover(_ configuration: VerifierConfiguration) -> MinGWToolchain {
        var found = MinGWToolchain()
        found.cc = Toolchains.tool(configuration.mingwCC)
        found.cxx = Toolchains.tool(configuration.mingwCXX)
        if found.cc == nil {
            found.problems.append("\(configuration.mingwCC) not found on PATH: install MinGW-w64 (Debian: apt-get install gcc-mingw-w64-x86-64)")
        }
        if found.cxx == nil {
            found.problems.append("\(configuration.mingwCXX) not found on PATH: install MinGW-w64 (Debian: apt-get install g++-mingw-w64-x86-64)")
        }
        // Debian keeps wine64 out of PATH: /usr/bin/wine is a script that picks it.
        found.wine = Toolchains.tool(configuration.wine)
            ?? (configuration.wine == "wine64" ? Toolchains.tool("/usr/lib/wine/wine64") ?? Toolchains.tool("wine") : nil)
        if found.wine == nil {
            found.wineProblem = "\(configuration.wine) not found: Windows programs are compiled but not run (install wine: apt-get install wine wine64)"
            found.problems.append(found.wineProblem!)
        }
        return found
    }

    /// Prefixes the jail must expose.
    var jailPaths: [String] {
        var paths: [String] = []
        for tool in [cc, cxx, wine].compactMap({ $0 }) where !paths.contains(tool.prefix) {
            paths.append(tool.prefix)
        }
        return paths
    }
}

/// C and C++ built for Windows with MinGW-w64 in the jail, linked statically so the
/// program needs no MinGW DLL, then run under wine in the jail when wine is installed.
/// Without wine a sample stops at the compile rungs (0.0/0.3/0.5).
struct MinGWVerifier {
    let configuration: VerifierConfiguration
    let toolchain: MinGWToolchain
    let jail: Jail
    /// nil when wine is missing or its prefix could not be made.
    let prefix: WinePrefix?
    /// Why programs do not run, when `prefix` is nil.
    let noRunReason: String?

    /// The address-space limit (RLIMIT_AS) of a run under wine: wine itself keeps ~170 MiB
    /// mapped but briefly needs 2 GiB while it starts (measured with wine 8.0), so the
    /// program gets its configured memory plus a margin, and never less than that floor.
    static func wineMemoryMiB(_ programMiB: Int) -> Int {
        max(programMiB + 256, 2048)
    }

    func verify(_ sample: Sample, source: String, in scratch: Scratch) async -> Verdict {
        let cplusplus = sample.language == .cpp
        guard let compiler = cplusplus ? toolchain.cxx : toolchain.cc else {
            let missing = toolchain.problems.first { $0.hasPrefix(cplusplus ? configuration.mingwCXX : configuration.mingwCC) }
            return Verdict(reward: 0, outcome: .error, detail: missing ?? "no MinGW-w64 compiler")
        }
        let evidence = Evidence()
        let fileName = cplusplus ? "main.cpp" : "main.c"
        var program = source
        var staticAsserts = 0
        if let test = sample.test {
            (program, staticAsserts) = CHarness.program(
                candidate: source, test: test, evidence: evidence, prelude: WindowsHarness.prelude(evidence: evidence))
        }
        do {
            try scratch.write(fileName, program)
        } catch {
            return Verdict(reward: 0, outcome: .error, detail: "cannot write the source: \(error)")
        }
        let willRun = sample.hasTests || configuration.runWithoutTests
        let runs = willRun && prefix != nil
        // A program that would run is linked even when wine is missing: a link error is a compile error.
        var compile = CompileCommand(
            candidate: configuration, compiler: compiler.path, cplusplus: cplusplus, willRun: willRun, source: fileName,
            output: willRun ? "prog.exe" : "prog.o")
        compile.optimization = runs ? configuration.optimization : "-O0"
        compile.linkFlags = ["-static"]
        let compiled = await jail.run(compile.argv, in: scratch, limits: configuration.compileLimits)
        let rung: CompileRung
        switch CompileRung.judge(compiled, scratch: scratch.hostPath) {
        case .ended(let verdict): return verdict
        case .compiled(let compiledRung): rung = compiledRung
        }
        guard willRun else { return rung.verdict }
        guard let prefix, let wine = toolchain.wine else {
            var verdict = rung.verdict
            verdict.detail += "; not run: " + (noRunReason ?? "wine is not installed")
            return verdict
        }
        // The harness source holds the tests: the program must not find them on disk.
        scratch.remove(fileName)
        let prefixPath: String
        do {
            prefixPath = try prefix.install(in: scratch)
        } catch {
            return Verdict(reward: 0, outcome: .error, compileSeconds: rung.seconds, detail: "cannot make the wine prefix: \(error)")
        }
        let environment = WinePrefix.environment(prefixPath: prefixPath)
        var limits = configuration.runLimits
        limits.memoryMiB = Self.wineMemoryMiB(limits.memoryMiB)
        let argvRun = [wine.path, scratch.path + "/prog.exe"]
        if !sample.io.isEmpty {
            return await IOTests.run(
                sample.io, argv: argvRun, jail: jail, scratch: scratch, limits: limits, compile: rung, environment: environment)
        }
        let record = await jail.run(
            argvRun, in: scratch, limits: limits, stdin: sample.test == nil ? Data() : Data((evidence.token + "\n").utf8),
            environment: environment)
        guard sample.test != nil else {
            var verdict = Ladder.verdict(rung, .bare(record))
            if verdict.outcome == .ran { verdict.detail += " under wine" }
            return verdict
        }
        // The report shares stderr with the program: keep it out of the run's detail.
        var shown = record
        shown.stderr = Data(record.stderrText.split(separator: "\n").filter { !$0.hasPrefix("DONE ") && !$0.hasPrefix("A 0 ") }.joined(separator: "\n").utf8)
        return Ladder.verdict(rung, .harness(shown, evidence.parse(record.stderrText), staticTotal: staticAsserts))
    }
}

/// What the verifier sets up for `target == .mingw`: the tools, and the wine prefix
/// template shown read-only at /hfwine in the jail.
struct MinGWSetup: Sendable {
    let toolchain: MinGWToolchain
    let prefix: WinePrefix?
    let noRunReason: String?

    static let jailTemplate = "/hfwine"

    /// Finds the tools and the template; adds what the jail must show to `jail`.
    static func discover(_ configuration: VerifierConfiguration, jail: inout JailConfiguration) -> (toolchain: MinGWToolchain, template: String?, reason: String?) {
        let toolchain = MinGWToolchain.discover(configuration)
        jail.readOnlyPaths += toolchain.jailPaths
        guard let wine = toolchain.wine else { return (toolchain, nil, toolchain.wineProblem) }
        do {
            let template = try WinePrefix.template(wine: wine)
            jail.readOnlyMounts.append((template, jailTemplate))
            return (toolchain, template, nil)
        } catch {
            return (toolchain, nil, "no wine prefix: \(error)")
        }
    }

    /// Completes the set-up once the jail's isolation is known.
    init(toolchain: MinGWToolchain, template: String?, reason: String?, jail: Jail, folder: String) {
        self.toolchain = toolchain
        var reason = reason
        var prefix: WinePrefix?
        if let template {
            if jail.isolation == .namespaces {
                prefix = WinePrefix(hostTemplate: template, jailTemplate: Self.jailTemplate)
            } else {
                // Without a private root the sample's identity reads the template where it
                // is: a copy in the verifier's own folder, which every identity may enter.
                let copy = folder + "/wine-template"
                do {
                    try FileManager.default.copyItem(atPath: template, toPath: copy)
                    prefix = WinePrefix(hostTemplate: copy, jailTemplate: copy)
                } catch {
                    reason = "cannot copy the wine prefix to \(copy): \(error)"
                }
            }
        }
        self.prefix = prefix
        noRunReason = reason
    }
}
