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
    public var pythonSitePaths: [String] = []
    public var problems: [String] = []

    public static func discover(_ configuration: VerifierConfiguration) -> Toolchains {
        var found = Toolchains()
        let (ccName, cxxName) = configuration.compiler == .gcc ? ("gcc", "g++") : ("clang", "clang++")
        found.cc = tool(ccName)
        found.cxx = tool(cxxName)
        if found.cc == nil { found.problems.append("\(ccName) not found on PATH: install it (Debian: apt-get install \(ccName == "gcc" ? "gcc" : "clang"))") }
        if found.cxx == nil { found.problems.append("\(cxxName) not found on PATH: install it (Debian: apt-get install \(ccName == "gcc" ? "g++" : "clang"))") }
        if let python = tool(configuration.python) {
            // pyenv and friends put a shell shim on PATH: ask the interpreter where it really lives.
            let probe = capture(python.path, ["-I", "-c", "import sys, site; print(sys.executable); print(sys.prefix); print('\\n'.join(site.getsitepackages()))"])
            let lines = probe?.split(separator: "\n").map(String.init) ?? []
            if lines.count >= 2 {
                let executable = URL(fileURLWithPath: lines[0]).resolvingSymlinksInPath().path
                found.python = Tool(path: executable, prefix: lines[1])
                found.pythonSitePaths = Array(lines.dropFirst(2))
            } else {
                found.problems.append("\(configuration.python) does not run: install Python 3 (Debian: apt-get install python3)")
            }
        } else {
            found.problems.append("\(configuration.python) not found on PATH: install Python 3 (Debian: apt-get install python3)")
        }
        return found
    }

    /// Prefixes the jail must expose so every tool can run.
    public var jailPaths: [String] {
        var paths: [String] = []
        for tool in [cc, cxx, python].compactMap({ $0 }) where !paths.contains(tool.prefix) {
            paths.append(tool.prefix)
        }
        return paths
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
            return Tool(path: real, prefix: prefix)
        }
        return nil
    }

    static func capture(_ executable: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}
