internal import Foundation
public import HaloForgeCore
public import HaloForgeSandbox

/// Verifies samples: the one entry point to the verifiers and their jail.
public final class Verifier: Sendable {
    public let configuration: VerifierConfiguration
    public let toolchains: Toolchains
    public let jail: Jail
    private let harnessDir: String
    /// The driver's file in the harness folder: precompiled where the interpreter allows.
    private let driver: String
    private let precompiledHeaders: PrecompiledHeaders
    private let pchDir: String
    private let customCommands: [String: CustomLanguage]
    private let mingw: MinGWSetup?
    /// Set when the configuration names a build host: C and C++ are verified there.
    private let remote: RemoteVerifier?
    /// The folder holding this verifier's scratch folders, jail root and harness.
    public let folder: String
    private let cache: VerdictCache
    private let testPrograms: TestProgramCache
    /// This toolchain's folder in the build cache; nil when the cache is off or unwritable.
    public let buildCacheFolder: String?

    public init(configuration: VerifierConfiguration = VerifierConfiguration()) throws {
        var configuration = configuration
        cache = VerdictCache(capacity: configuration.verdictCacheSize)
        var found = Toolchains.discover(configuration)
        var jailConfiguration = configuration.jail
        jailConfiguration.readOnlyPaths += found.jailPaths
        let mingw = configuration.target == .mingw ? MinGWSetup.discover(configuration, jail: &jailConfiguration) : nil
        found.problems += mingw?.toolchain.problems ?? []
        toolchains = found
        // Each verifier owns a folder of its own, so several can live in one process.
        try FileManager.default.createDirectory(atPath: jailConfiguration.scratchRoot, withIntermediateDirectories: true)
        chmod(jailConfiguration.scratchRoot, 0o711)
        var template = Array((jailConfiguration.scratchRoot + "/verifier-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw JailError("cannot create a folder under \(jailConfiguration.scratchRoot): \(String(cString: strerror(errno)))")
        }
        jailConfiguration.scratchRoot = String(cString: made)
        chmod(made, 0o711)
        folder = jailConfiguration.scratchRoot

        // Custom commands name a program by PATH: resolve it on the host, expose its prefix.
        var commands: [String: CustomLanguage] = [:]
        for var language in configuration.customLanguages {
            func resolve(_ template: String?) throws -> String? {
                guard let template else { return nil }
                var words = CustomVerifier.split(template)
                guard let first = words.first else { throw JailError("custom language \(language.name): empty command") }
                if !first.hasPrefix("{") {
                    guard let tool = Toolchains.tool(first) else {
                        throw JailError("custom language \(language.name): \(first) not found on PATH")
                    }
                    words[0] = tool.path
                    if !jailConfiguration.readOnlyPaths.contains(tool.prefix) { jailConfiguration.readOnlyPaths.append(tool.prefix) }
                }
                return words.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
            }
            language.compile = try resolve(language.compile)
            language.run = try resolve(language.run)
            commands[language.name] = language
        }
        customCommands = commands

        let hostHarness = jailConfiguration.scratchRoot + "/.harness"
        try Verifier.installHarness(to: hostHarness)
        driver = found.python.flatMap { Verifier.compileDriver(in: hostHarness, python: $0.path) } ?? "hf_driver.py"
        jailConfiguration.readOnlyMounts.append((hostHarness, "/hf"))
        let buildCache = configuration.buildCache.flatMap { BuildCache(root: $0, toolchains: found) }
        testPrograms = TestProgramCache(disk: buildCache)
        buildCacheFolder = buildCache?.folder
        let pch = try PrecompiledHeaders(folder: buildCache?.precompiledHeaders ?? jailConfiguration.scratchRoot + "/pch")
        jailConfiguration.readOnlyMounts.append((pch.folder, "/pch"))
        precompiledHeaders = pch
        configuration.jail = jailConfiguration
        self.configuration = configuration
        jail = try Jail(jailConfiguration)
        remote = try configuration.remote.map { try RemoteVerifier(configuration: configuration, remote: $0) }
        harnessDir = jail.isolation == .namespaces ? "/hf" : hostHarness
        pchDir = jail.isolation == .namespaces ? "/pch" : pch.folder
        let (jail, folder) = (jail, folder)
        self.mingw = mingw.map { MinGWSetup(toolchain: $0.toolchain, template: $0.template, reason: $0.reason, jail: jail, folder: folder) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Copies the Python driver and pytest plugin where the jail can read them.
    static func installHarness(to folder: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(folder, 0o755)
        for name in ["hf_driver.py", "hf_pytest_plugin.py", "hf_pytest.ini", "test_solution.py"] {
            guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources")
                ?? Bundle.module.url(forResource: name, withExtension: nil)
            else {
                throw JailError("the harness file \(name) is missing from the halo-forge build: rebuild halo-forge")
            }
            let target = folder + "/" + name
            try? fm.removeItem(atPath: target)
            try fm.copyItem(atPath: url.path, toPath: target)
            chmod(target, 0o644)
        }
    }

    /// hf_driver.pyc beside hf_driver.py, for `python`: Python compiles a script it is given
    /// as source on every start (11 ms of CPU per sample here), a .pyc never. nil: no .pyc.
    static func compileDriver(in folder: String, python: String) -> String? {
        let script = """
            import py_compile, sys
            py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile="hf_driver.py", doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            """
        let target = folder + "/hf_driver.pyc"
        guard Toolchains.capture(python, ["-I", "-S", "-c", script, folder + "/hf_driver.py", target]) != nil,
            chmod(target, 0o644) == 0
        else {
            unlink(target)
            return nil
        }
        return "hf_driver.pyc"
    }

    /// Judges one sample. Never throws: problems become `error` verdicts with a detail.
    /// A sample verified before (same code, tests and prompt) gets its verdict again at once.
    public func verify(_ sample: Sample) async -> Verdict {
        let source = CodeExtraction.source(of: sample.candidate, language: sample.language)
        let key = VerdictCache.key(sample, source: source)
        if let known = await cache.verdict(for: key) { return known }
        let verdict = await verify(sample, source: source)
        await cache.store(verdict, for: key)
        return verdict
    }

    /// Forgets every verdict kept (a benchmark that times real verification calls this).
    public func forgetVerdicts() async {
        await cache.removeAll()
    }

    private func verify(_ sample: Sample, source: String) async -> Verdict {
        if let remote, sample.language == .c || sample.language == .cpp {
            return await remote.verify(sample, source: source)
        }
        do {
            var verdict = try await jail.withScratch { scratch -> Verdict in
                switch sample.language {
                case .c, .cpp:
                    if let mingw {
                        return await MinGWVerifier(
                            configuration: configuration, toolchain: mingw.toolchain, jail: jail, prefix: mingw.prefix,
                            noRunReason: mingw.noRunReason
                        ).verify(sample, source: source, in: scratch)
                    }
                    return await CFamilyVerifier(
                        configuration: configuration, toolchains: toolchains, jail: jail,
                        precompiledHeaders: configuration.compiler == .gcc ? (precompiledHeaders, pchDir) : nil, harnessDir: harnessDir,
                        testPrograms: testPrograms, driver: driver)
                        .verify(sample, source: source, in: scratch)
                case .python:
                    return await PythonVerifier(configuration: configuration, toolchains: toolchains, jail: jail, harnessDir: harnessDir, driver: driver)
                        .verify(sample, source: source, in: scratch)
                case .custom(let name):
                    guard let language = customCommands[name] else {
                        return Verdict(reward: 0, outcome: .error, detail: "no verifier for language \(name)")
                    }
                    return await CustomVerifier(language: language, configuration: configuration, jail: jail)
                        .verify(sample, source: source, in: scratch)
                }
            }
            // On every verdict, so a reward is never read as bounded by what this host lacks.
            if let note = jail.unenforcedNote {
                verdict.detail = verdict.detail.isEmpty ? note : verdict.detail + "; " + note
            }
            return verdict
        } catch {
            return Verdict(reward: 0, outcome: .error, detail: "\(error)")
        }
    }
}
