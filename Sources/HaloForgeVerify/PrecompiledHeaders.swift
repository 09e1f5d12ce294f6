internal import Foundation
internal import Synchronization

/// A precompiled `bits/stdc++.h` for g++. Competitive-programming C++ starts with it,
/// and parsing it is most of such a compile (1.4 s → 0.35 s here). Built on the host
/// from a header of our own, once per (standard, optimisation, flags), in the background:
/// samples compile without it until it is ready, and gcc ignores a variant that does not match.
final class PrecompiledHeaders: Sendable {
    /// Host folder searched first for includes; holds `bits/stdc++.h.gch/<variant>.gch`.
    let folder: String
    private let variants = Mutex<[String: Bool]>([:])  // variant -> ready

    init(folder: String) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder + "/bits/stdc++.h.gch", withIntermediateDirectories: true)
        chmod(folder, 0o755)
        chmod(folder + "/bits", 0o755)
        chmod(folder + "/bits/stdc++.h.gch", 0o755)
        // The standard headers a forwarded C++ test program includes (CForwarding).
        try FileManager.default.createDirectory(atPath: folder + "/\(Self.forwarding).gch", withIntermediateDirectories: true)
        try Data(CForwarding.standardHeaders.utf8).write(to: URL(fileURLWithPath: folder + "/" + Self.forwarding))
        chmod(folder + "/" + Self.forwarding, 0o644)
        chmod(folder + "/\(Self.forwarding).gch", 0o755)
    }

    static let forwarding = "hf_forward.h"

    static func wants(_ source: String) -> Bool {
        source.contains("bits/stdc++.h")
    }

    /// True when the variant for `flags` is ready; otherwise starts building it.
    func ready(compiler: String, flags: [String], header: String = "bits/stdc++.h") -> Bool {
        let key = Self.key(flags + (header == "bits/stdc++.h" ? [] : [header]))
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

    private func build(compiler: String, flags: [String], key: String, header: String) {
        let source = folder + "/stdcpp-\(key).h"
        let partial = folder + "/\(header).gch/.\(key).partial"
        let target = folder + "/\(header).gch/\(key).gch"
        try? Data("#include <\(header)>\n".utf8).write(to: URL(fileURLWithPath: source))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: compiler)
        process.arguments = flags + (header == Self.forwarding ? ["-I", folder] : []) + ["-x", "c++-header", source, "-o", partial]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let ok = (try? process.run()) != nil && { process.waitUntilExit(); return process.terminationStatus == 0 }()
        unlink(source)
        if ok && rename(partial, target) == 0 {
            chmod(target, 0o644)
            variants.withLock { $0[key] = true }
        } else {
            unlink(partial)  // stays "not ready": samples simply compile without it
        }
    }

    static func key(_ flags: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: stable across runs
        for byte in flags.joined(separator: "\u{1}").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
