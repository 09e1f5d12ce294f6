internal import Foundation
internal import HaloForgeCore

/// A compiler or interpreter found on the host, with the folder the jail must expose.
public struct Tool: Sendable, Equatable {
    public var path: String
    /// The install prefix made visible read-only in the jail (e.g. /opt/swift/usr).
    public var prefix: String
}

/// The host's toolchains, found once at start-up.
public struct Toolchains: Sendable {
    public var cc: Tool?
    public var cxx: Tool?
    public var python: Tool?
    /// The interpreter's own sys.path beyond its standard library (a venv's or conda env's
    /// site-packages, .pth additions), handed to the driver, which runs with -S.
    public var pythonSitePaths: [String] = []
    /// Its prefix, base prefix and those sys.path folders: mounted read-only in the jail.
    public var pythonMountPaths: [String] = []
    /// Given to gcc on every link: a faster linker than ld.bfd where the jail can run one
    /// (linking a small C++ program: 0.058 CPU-s with ld.bfd, 0.021 with gold or lld).
    public var linkFlags: [String] = []
    public var problems: [String] = []

    public static func discover(_ configuration: VerifierConfiguration) -> Toolchains {
        var found = Toolchains()
        let (ccName, cxxName) = configuration.compiler == .gcc ? ("gcc", "g++") : ("clang", "clang++")
        found.cc = tool(ccName)
        found.cxx = tool(cxxName)
        if found.cc == nil { found.problems.append("\(ccName) not found on PATH: install it (Debian: apt-get install \(ccName == "gcc" ? "gcc" : "clang"))") }
        if found.cxx == nil { found.problems.append("\(cxxName) not found on PATH: install it (Debian: apt-get install \(ccName == "gcc" ? "g++" : "clang"))") }
        if configuration.compiler == .gcc, let cc = found.cc {
            found.linkFlags = fastLinker(cc: cc.path)
        }
        if let candidate = locate(configuration.python) {
            if let probe = probePython(candidate) {
                found.python = probe.tool
                found.pythonSitePaths = probe.sitePaths
                found.pythonMountPaths = probe.mountPaths
            } else {
                found.problems.append("\(configuration.python) does not run: install Python 3 (Debian: apt-get install python3)")
            }
        } else {
            found.problems.append("\(configuration.python) not found on PATH: install Python 3 (Debian: apt-get install python3)")
        }
        return found
    }

    /// `-fuse-ld=` for the first of mold, lld and gold that lies where the jail sees it (its
    /// PATH under /usr) and links a program here; none when only ld.bfd does.
    static func fastLinker(cc: String) -> [String] {
        let folder = FileManager.default.temporaryDirectory.path + "/halo-forge-ld-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil else { return [] }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        guard (try? Data("int main(void) { return 0; }\n".utf8).write(to: URL(fileURLWithPath: folder + "/t.c"))) != nil else { return [] }
        for name in ["mold", "lld", "gold"] where ["/usr/local/bin", "/usr/bin"].contains(where: {
            FileManager.default.isExecutableFile(atPath: "\($0)/ld.\(name)")
        }) {
            let flag = "-fuse-ld=\(name)"
            // The jail's PATH: gcc finds ld.<name> there, not in the caller's PATH.
            if capture(cc, [flag, "-o", folder + "/t", folder + "/t.c"], environment: ["PATH": "/usr/local/bin:/usr/bin:/bin"]) != nil {
                return [flag]
            }
        }
        return []
    }

    /// Prefixes the jail must expose so every tool can run.
    public var jailPaths: [String] {
        var paths: [String] = []
        for tool in [cc, cxx, python].compactMap({ $0 }) where !paths.contains(tool.prefix) {
            paths.append(tool.prefix)
        }
        for path in pythonMountPaths where !paths.contains(path) { paths.append(path) }
        return paths
    }

    /// Finds `name` on PATH (or takes a path, made absolute), keeping symlinks: a venv is
    /// known by the pyvenv.cfg beside its unresolved bin/python.
    static func locate(_ name: String) -> String? {
        if name.contains("/") {
            let absolute = name.hasPrefix("/") ? name : FileManager.default.currentDirectoryPath + "/" + name
            let path = URL(fileURLWithPath: absolute).standardized.path
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Asks the interpreter where it lives: its own sys.executable (pyenv's shell shim on PATH
    /// names the real one; a venv's stays the venv's), its prefixes, and what site adds.
    static func probePython(_ path: String) -> (tool: Tool, sitePaths: [String], mountPaths: [String])? {
        let script = """
            import sys, os
            bare = list(sys.path)
            import site
            site.main()
            print(sys.executable)
            for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
                print('P', p)
            for p in sys.path:
                if p and p not in bare and os.path.isdir(p):
                    print('S', p)
            """
        guard let output = capture(path, ["-I", "-S", "-c", script]) else { return nil }
        let lines = output.split(separator: "\n").map(String.init)
        guard let executable = lines.first, executable.hasPrefix("/") else { return nil }
        let prefixes = lines.filter { $0.hasPrefix("P ") }.map { String($0.dropFirst(2)) }
        let sitePaths = lines.filter { $0.hasPrefix("S ") }.map { String($0.dropFirst(2)) }
        // The folder the unresolved executable points into (a venv's python -> the base
        // interpreter) must be there too, or the venv's symlink dangles in the jail.
        let real = URL(fileURLWithPath: executable).resolvingSymlinksInPath().path
        let realPrefix = URL(fileURLWithPath: real).deletingLastPathComponent().deletingLastPathComponent().path
        var mounts: [String] = []
        for candidate in prefixes + [realPrefix] + sitePaths {
            let path = URL(fileURLWithPath: candidate).standardized.path
            if path == "/" || path.isEmpty || mounts.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) { continue }
            mounts.removeAll { $0.hasPrefix(path + "/") }
            mounts.append(path)
        }
        return (Tool(path: executable, prefix: prefixes.first ?? realPrefix), sitePaths, mounts)
    }

    /// Finds `name` on PATH (or takes an absolute path) and resolves symlinks.
    public static func tool(_ name: String) -> Tool? {
        let candidates: [String]
        if name.contains("/") {
            candidates = [name]
        } else {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            candidates = path.split(separator: ":").map { "\($0)/\(name)" }
        }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            let real = URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path
            let bin = URL(fileURLWithPath: real).deletingLastPathComponent()
            var prefix = bin.deletingLastPathComponent().path
            if prefix == "/" || prefix.isEmpty { prefix = "/usr" }
            // A driver picks its language by the name it is called by (clang++ links to clang,
            // which alone does not link the C++ library): keep the link when the jail sees it.
            let renamed = URL(fileURLWithPath: candidate).lastPathComponent != URL(fileURLWithPath: real).lastPathComponent
            let visible = candidate.hasPrefix(prefix + "/") || candidate.hasPrefix("/usr/")
            return Tool(path: renamed && visible ? URL(fileURLWithPath: candidate).standardized.path : real, prefix: prefix)
        }
        return nil
    }

    static func capture(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) -> String? {
        let result = Subprocess.runBlocking(executable, arguments, environment: environment, stderr: .discard)
        return result.status == 0 ? result.stdoutText : nil
    }
}
