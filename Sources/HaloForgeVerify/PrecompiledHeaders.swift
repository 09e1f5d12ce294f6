internal import Foundation
internal import HaloForgeCore
internal import Synchronization

/// Precompiled headers for g++: `bits/stdc++.h` (competitive-programming C++ starts with it,
/// and parsing it is most of such a compile: 1.4 s → 0.35 s here), the forwarding header of
/// the answering main and test programs, and a header per set of leading includes a forwarded
/// candidate starts with. Built on the host from a header of our own, once per (standard,
/// optimisation, flags), in the background, one at a time: samples compile without one until
/// it is ready, and gcc ignores a variant that does not match.
final class PrecompiledHeaders: Sendable {
    /// Host folder searched first for includes; holds `bits/stdc++.h.gch/<variant>.gch`.
    let folder: String
    private let variants = Mutex<[String: Bool]>([:])  // variant -> ready
    private let sightings = Mutex<[String: Int]>([:])  // variant -> times asked for, before its build

    init(folder: String) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder + "/bits/stdc++.h.gch", withIntermediateDirectories: true)
        chmod(folder, 0o755)
        chmod(folder + "/bits", 0o755)
        chmod(folder + "/bits/stdc++.h.gch", 0o755)
        // The standard headers a forwarded C++ test program includes (CForwarding).
        try FileManager.default.createDirectory(atPath: folder + "/\(Self.forwarding).gch", withIntermediateDirectories: true)
        // The folder may be a build cache that other processes read: the header changes only
        // with halo-forge, which starts a new folder, so it is written once, atomically.
        let forwardingPath = folder + "/" + Self.forwarding
        if !FileManager.default.fileExists(atPath: forwardingPath) {
            try Data(CForwarding.standardHeaders.utf8).write(to: URL(fileURLWithPath: forwardingPath), options: .atomic)
            chmod(forwardingPath, 0o644)
        }
        chmod(folder + "/\(Self.forwarding).gch", 0o755)
    }

    static let forwarding = "hf_forward.h"
    private static let building = NSLock()

    static func wants(_ source: String) -> Bool {
        source.contains("bits/stdc++.h")
    }

    /// The leading `#include <...>` lines of a C++ source, before any other token: a header
    /// of ours that holds exactly those includes in that order (precompiled once per flags, in
    /// the background), and the source with those lines blanked, so its line numbers stay.
    /// gcc reads the header as text until its precompiled form is ready, or when a variant
    /// does not match: the same headers in the same order either way. nil when there is none.
    func leadingIncludes(of source: String) -> (header: String, rest: String)? {
        var lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var headers: [String] = []
        var inComment = false
        scan: for i in lines.indices {
            let line = lines[i].trimmingCharacters(in: .whitespacesAndNewlines)
            // Spliced lines, trigraphs and digraphs end the scan: nothing clever is moved.
            if line.hasSuffix("\\") || line.contains("??") || line.contains("%:") { break }
            if inComment {
                guard let end = line.range(of: "*/") else { continue }
                guard end.upperBound == line.endIndex else { break }
                inComment = false
                continue
            }
            if line.isEmpty || line.hasPrefix("//") { continue }
            if line.hasPrefix("/*") {
                guard let end = line.range(of: "*/", range: line.index(line.startIndex, offsetBy: 2)..<line.endIndex) else {
                    inComment = true
                    continue
                }
                guard end.upperBound == line.endIndex else { break }
                continue
            }
            guard let header = Self.standardInclude(line) else { break scan }
            headers.append(header)
            lines[i] = ""
        }
        guard !headers.isEmpty else { return nil }
        let text = headers.map { "#include <\($0)>\n" }.joined()
        let name = "hf_inc_\(Self.key(headers)).h"
        let path = folder + "/" + name
        if !FileManager.default.fileExists(atPath: path) {
            let partial = path + ".\(getpid()).\(UInt64.random(in: 0...UInt64.max)).partial"
            guard (try? Data(text.utf8).write(to: URL(fileURLWithPath: partial))) != nil else { return nil }
            chmod(partial, 0o644)
            guard rename(partial, path) == 0 else {
                unlink(partial)
                return nil
            }
            try? FileManager.default.createDirectory(atPath: path + ".gch", withIntermediateDirectories: true)
            chmod(path + ".gch", 0o755)
        }
        return (name, lines.joined(separator: "\n"))
    }

    /// `#include <name>` with a plain header name, else nil.
    static func standardInclude(_ line: String) -> String? {
        guard line.hasPrefix("#") else { return nil }
        var rest = line.dropFirst().drop { $0 == " " || $0 == "\t" }
        guard rest.hasPrefix("include") else { return nil }
        rest = rest.dropFirst(7).drop { $0 == " " || $0 == "\t" }
        guard rest.hasPrefix("<"), rest.hasSuffix(">") else { return nil }
        let name = rest.dropFirst().dropLast()
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./+-")
        guard !name.isEmpty, name.allSatisfy(allowed.contains), !name.contains(".."), !name.hasPrefix("/") else { return nil }
        return String(name)
    }

    /// True when the variant for `flags` is ready; otherwise starts building it once it has
    /// been asked for `after` times. A candidate's own include set is built on its second
    /// sighting: building one costs 0.49 CPU-s here and saves 0.10 per compile, so a set seen
    /// once only costs.
    func ready(compiler: String, flags: [String], header: String = "bits/stdc++.h", after: Int = 1) -> Bool {
        let key = Self.key(flags + (header == "bits/stdc++.h" ? [] : [header]))
        if variants.withLock({ $0[key] }) == true { return true }
        // Built by an earlier run into the build cache.
        if FileManager.default.fileExists(atPath: target(key: key, header: header)) {
            utimes(target(key: key, header: header), nil)  // recently used: kept when the cache is pruned
            variants.withLock { $0[key] = true }
            return true
        }
        if after > 1 {
            let seen = sightings.withLock { counts in
                counts[key, default: 0] += 1
                return counts[key]!
            }
            if seen < after { return false }
        }
        let start: Bool = variants.withLock { known in
            if known[key] != nil { return false }
            known[key] = false
            return true
        }
        if start {
            let thread = Thread { self.build(compiler: compiler, flags: flags, key: key, header: header) }
            thread.start()
            return false
        }
        return variants.withLock { $0[key] == true }
    }

    private func target(key: String, header: String) -> String { folder + "/\(header).gch/\(key).gch" }

    private func build(compiler: String, flags: [String], key: String, header: String) {
        // One at a time: a burst of new include sets must not take every core from the samples.
        Self.building.lock()
        defer { Self.building.unlock() }
        // Private names: another process may build the same variant into a shared cache.
        let mine = "\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
        let source = folder + "/stdcpp-\(key)-\(mine).h"
        let partial = folder + "/\(header).gch/.\(key).\(mine).partial"
        let target = target(key: key, header: header)
        try? Data("#include <\(header)>\n".utf8).write(to: URL(fileURLWithPath: source))
        let arguments = flags + (header == "bits/stdc++.h" ? [] : ["-I", folder]) + ["-x", "c++-header", source, "-o", partial]
        let ok = Subprocess.runBlocking(compiler, arguments, stdout: .discard, stderr: .discard).status == 0
        unlink(source)
        if ok && rename(partial, target) == 0 {
            chmod(target, 0o644)
            variants.withLock { $0[key] = true }
        } else {
            unlink(partial)  // stays "not ready": samples simply compile without it
        }
    }

    static func key(_ flags: [String]) -> String { BuildCache.hash(flags.joined(separator: "\u{1}")) }
}
