internal import Foundation
internal import HaloForgeCore

/// What the verifier builds from no candidate code — precompiled headers, forwarded test
/// programs, answering objects — kept on disk, so a later run (a new RAFT cycle, a second
/// benchmark, another halo-forge process) reuses them instead of compiling them again.
///
/// One folder per toolchain and halo-forge build: a compiler, libstdc++ or halo-forge that
/// changes starts a new folder, so nothing built by another one is ever used. Entries are
/// written to a private name and renamed into place, so processes sharing the cache never
/// read half a file, and each entry holds its full key, so a hash collision is a miss.
final class BuildCache: Sendable {
    /// This toolchain's folder: `pch/` (mounted read-only in the jail) and `programs/`.
    let folder: String
    let capacity: Int
    /// Precompiled headers kept (20–40 MB each).
    let headerCapacity: Int
    private var programs: String { folder + "/programs" }
    var precompiledHeaders: String { folder + "/pch" }

    private static let magic = Data("halo-forge build cache 1\n".utf8)

    /// Held shared (flock) while this cache lives: a folder someone holds is never removed.
    private let lease: Int32

    /// nil when the folder cannot be made: the verifier then builds everything per run.
    init?(root: String, toolchains: Toolchains, capacity: Int = 4096, headerCapacity: Int = 32) {
        self.capacity = capacity
        self.headerCapacity = headerCapacity
        folder = root + "/" + Self.hash(Self.identity(toolchains))
        guard let lease = Self.takeLease(on: folder, root: root) else { return nil }
        self.lease = lease
        // Programs are read by halo-forge alone; the headers through the jail's bind mount.
        chmod(programs, 0o700)
        chmod(precompiledHeaders, 0o755)
        guard access(programs, W_OK) == 0, access(precompiledHeaders, W_OK) == 0 else { return nil }
        prune()
        Self.removeOtherBuilds(in: root, keeping: folder)
    }

    deinit { close(lease) }

    /// Makes the folder and holds its lease. Another process may be removing the folder at
    /// that moment (it held the lease exclusively first): then the lease taken is on a file
    /// already unlinked, so it is dropped and the folder made again.
    private static func takeLease(on folder: String, root: String) -> Int32? {
        let fm = FileManager.default
        for _ in 0..<5 {
            do {
                try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
                try fm.createDirectory(atPath: folder + "/programs", withIntermediateDirectories: true)
                try fm.createDirectory(atPath: folder + "/pch", withIntermediateDirectories: true)
            } catch {
                return nil
            }
            let descriptor = open(folder + "/lease", O_RDONLY | O_CREAT | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { return nil }
            guard flock(descriptor, LOCK_SH) == 0 else {
                close(descriptor)
                return nil
            }
            var held = stat()
            var onDisk = stat()
            if fstat(descriptor, &held) == 0, stat(folder + "/lease", &onDisk) == 0, held.st_ino == onDisk.st_ino,
                held.st_dev == onDisk.st_dev, access(folder + "/pch", W_OK) == 0
            {
                return descriptor
            }
            close(descriptor)
        }
        return nil
    }

    /// Each halo-forge build or compiler upgrade starts a folder: the three used last stay
    /// (a checkout and an installed copy may well run side by side). An older one goes only
    /// when no process holds its lease and none has opened it for an hour: verifiers with
    /// other compilers run side by side (gcc and clang in one test run), each on its folder.
    private static func removeOtherBuilds(in root: String, keeping own: String) {
        utimes(own, nil)
        let fm = FileManager.default
        let folders = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).map { root + "/" + $0 }.filter { $0 != own }
        let dated = folders.map { path -> (String, Int) in
            var info = stat()
            return (path, stat(path, &info) == 0 ? info.st_mtim.tv_sec : 0)
        }
        let hourAgo = Int(time(nil)) - 3600
        for (path, used) in dated.sorted(by: { $0.1 > $1.1 }).dropFirst(2) where used < hourAgo {
            let descriptor = open(path + "/lease", O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 {
                defer { close(descriptor) }
                guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { continue }
                try? fm.removeItem(atPath: path)
            } else if errno == ENOENT {
                try? fm.removeItem(atPath: path)
            }
        }
    }

    /// The stored bytes for `key`, or nil. A hit is marked recent, for pruning.
    func data(for key: String) -> Data? {
        let path = path(for: key)
        guard let stored = FileManager.default.contents(atPath: path), let (storedKey, body) = Self.split(stored),
            storedKey == key
        else { return nil }
        utimes(path, nil)
        return body
    }

    func store(_ bytes: Data, for key: String) {
        let path = path(for: key)
        let partial = path + ".\(getpid()).\(UInt64.random(in: 0...UInt64.max)).partial"
        var entry = Self.magic
        let keyBytes = Data(key.utf8)
        entry.append(Data("\(keyBytes.count)\n".utf8))
        entry.append(keyBytes)
        entry.append(bytes)
        guard FileManager.default.createFile(atPath: partial, contents: entry, attributes: [.posixPermissions: 0o600]),
            rename(partial, path) == 0
        else {
            unlink(partial)  // a full disk or a removed folder: the run goes on without the entry
            return
        }
    }

    private func path(for key: String) -> String { programs + "/" + Self.hash(key) }

    private static func split(_ stored: Data) -> (String, Data)? {
        guard stored.starts(with: magic) else { return nil }
        let rest = stored.dropFirst(magic.count)
        guard let newline = rest.firstIndex(of: UInt8(ascii: "\n")),
            let length = Int(String(decoding: rest[rest.startIndex..<newline], as: UTF8.self)), length >= 0,
            rest.distance(from: newline, to: rest.endIndex) > length
        else { return nil }
        let keyStart = rest.index(after: newline)
        let keyEnd = rest.index(keyStart, offsetBy: length)
        return (String(decoding: rest[keyStart..<keyEnd], as: UTF8.self), Data(rest[keyEnd...]))
    }

    /// Past their capacity, the least recently used half of the programs and of the
    /// precompiled headers go, with any partial file a killed process left behind. A header
    /// removed while another process uses it is harmless: gcc then reads the header's text.
    private func prune() {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: programs)) ?? []
        for name in names where name.hasSuffix(".partial") { unlink(programs + "/" + name) }
        Self.removeOldest(names.filter { !$0.hasSuffix(".partial") }.map { programs + "/" + $0 }, keeping: capacity)
        var headers: [String] = []
        for variants in (try? fm.contentsOfDirectory(atPath: precompiledHeaders)) ?? [] {
            // What a killed process left: a header's partial text, a build's source.
            if variants.hasSuffix(".partial") || variants.hasPrefix("stdcpp-") { unlink(precompiledHeaders + "/" + variants) }
            guard variants.hasSuffix(".gch") else { continue }
            let dir = precompiledHeaders + "/" + variants
            for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] {
                if name.hasSuffix(".partial") { unlink(dir + "/" + name) } else { headers.append(dir + "/" + name) }
            }
        }
        Self.removeOldest(headers, keeping: headerCapacity)
    }

    private static func removeOldest(_ paths: [String], keeping capacity: Int) {
        guard paths.count > capacity else { return }
        let dated = paths.map { path -> (String, Int) in
            var info = stat()
            return (path, stat(path, &info) == 0 ? info.st_mtim.tv_sec : 0)
        }
        for (path, _) in dated.sorted(by: { $0.1 < $1.1 }).prefix(paths.count - capacity / 2) { unlink(path) }
    }

    /// What decides every entry besides its key: this halo-forge build, the compilers, the
    /// C++ compiler proper and the C++ runtime (path, size and modification time of each).
    static func identity(_ toolchains: Toolchains) -> String {
        var files = [Bundle.main.executablePath].compactMap { $0 }
        for tool in [toolchains.cc, toolchains.cxx].compactMap({ $0 }) { files.append(tool.path) }
        if let cxx = toolchains.cxx {
            for question in ["-print-prog-name=cc1plus", "-print-file-name=libstdc++.so"] {
                if let answer = Toolchains.capture(cxx.path, [question])?.trimmingCharacters(in: .whitespacesAndNewlines), !answer.isEmpty {
                    files.append(answer)
                }
            }
        }
        return files.map { file in
            let real = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
            var info = stat()
            guard stat(real, &info) == 0 else { return real + " missing" }
            return "\(real) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        }.joined(separator: "\n")
    }

    /// FNV-1a, 64 bits, as hex: stable across runs and processes.
    static func hash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }
}
