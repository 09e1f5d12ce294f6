import Foundation
import HaloForgeCore
@testable import HaloForgeVerify
import Testing

/// The build cache keeps what holds no candidate code across verifiers and processes: an
/// entry is found only under its own key and toolchain, a later verifier really uses it, and
/// the cache stays within its capacity.
@Suite struct BuildCacheTests {
    /// This host's toolchains, and the same without a C++ compiler: two cache identities.
    static func twoToolchains() -> (Toolchains, Toolchains) {
        let found = Toolchains.discover(VerifierConfiguration())
        var other = found
        other.cxx = nil
        return (found, other)
    }

    static func freshRoot(_ name: String) -> String {
        let root = FileManager.default.temporaryDirectory.path + "/hf-build-cache-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.removeItem(atPath: root)
        return root
    }

    @Test func anEntryIsFoundOnlyUnderItsOwnKey() throws {
        let root = Self.freshRoot("keys")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cache = try #require(BuildCache(root: root, toolchains: Toolchains.discover(VerifierConfiguration())))
        let program = Data((0..<1000).map { UInt8($0 % 251) })
        cache.store(program, for: "test program A")
        #expect(cache.data(for: "test program A") == program)
        #expect(cache.data(for: "test program B") == nil)
        // Another key's entry at A's file name (a hash collision) is a miss, not A's program.
        let path = cache.folder + "/programs/" + BuildCache.hash("test program A")
        let other = try #require(BuildCache(root: root, toolchains: Toolchains.discover(VerifierConfiguration())))
        other.store(Data("other".utf8), for: "test program C")
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: cache.folder + "/programs/" + BuildCache.hash("test program C"), toPath: path)
        #expect(cache.data(for: "test program A") == nil)
        // A truncated or foreign file is a miss too.
        try Data("halo-forge build cache 1\n99\nshort".utf8).write(to: URL(fileURLWithPath: path))
        #expect(cache.data(for: "test program A") == nil)
        try Data("#!/bin/sh\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(cache.data(for: "test program A") == nil)
    }

    /// Another compiler is another folder: nothing built by one toolchain reaches the other.
    @Test func anotherToolchainIsAnotherFolder() throws {
        let root = Self.freshRoot("toolchains")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (found, other) = Self.twoToolchains()
        let a = try #require(BuildCache(root: root, toolchains: found))
        let b = try #require(BuildCache(root: root, toolchains: other))
        #expect(a.folder != b.folder)
        a.store(Data("x".utf8), for: "k")
        #expect(b.data(for: "k") == nil)
        #expect(try #require(BuildCache(root: root, toolchains: found)).data(for: "k") == Data("x".utf8))
    }

    /// Folders of other halo-forge builds or compilers: the three used last stay.
    @Test func foldersOfOlderBuildsGo() throws {
        let root = Self.freshRoot("builds")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for i in 0..<4 {
            try FileManager.default.createDirectory(atPath: root + "/old\(i)/programs", withIntermediateDirectories: true)
            var times = [timeval(tv_sec: 1_000_000 + i, tv_usec: 0), timeval(tv_sec: 1_000_000 + i, tv_usec: 0)]
            utimes(root + "/old\(i)", &times)
        }
        let cache = try #require(BuildCache(root: root, toolchains: Toolchains.discover(VerifierConfiguration())))
        let left = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        #expect(left == [String(cache.folder.split(separator: "/").last!), "old2", "old3"].sorted(), "\(left)")
    }

    /// A folder another verifier holds (clang beside gcc, or a second process) stays however
    /// old it looks; released, it goes. One used within the hour stays too.
    @Test func aFolderInUseIsNeverRemoved() throws {
        let root = Self.freshRoot("leases")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (found, other) = Self.twoToolchains()
        var held: BuildCache? = try #require(BuildCache(root: root, toolchains: other))
        let heldName = String(held!.folder.split(separator: "/").last!)
        func age(_ name: String, _ seconds: Int) {
            var times = [timeval(tv_sec: seconds, tv_usec: 0), timeval(tv_sec: seconds, tv_usec: 0)]
            utimes(root + "/" + name, &times)
        }
        for i in 0..<3 {
            try FileManager.default.createDirectory(atPath: root + "/old\(i)/programs", withIntermediateDirectories: true)
            age("old\(i)", 1_000_000 + i)
        }
        try FileManager.default.createDirectory(atPath: root + "/recent/programs", withIntermediateDirectories: true)
        age("recent", Int(time(nil)) - 60)
        age(heldName, 999_000)
        let own = try #require(BuildCache(root: root, toolchains: found))
        let ownName = String(own.folder.split(separator: "/").last!)
        var left = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        #expect(left == [ownName, heldName, "old2", "recent"].sorted(), "\(left)")
        #expect(FileManager.default.fileExists(atPath: root + "/" + heldName + "/pch"))
        held = nil
        age(heldName, 999_000)
        age("recent", 1_000_100)
        _ = try #require(BuildCache(root: root, toolchains: found))
        left = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        #expect(left == [ownName, "old2", "recent"].sorted(), "\(left)")
    }

    @Test func keepsTheMostRecentlyUsedWithinItsCapacity() throws {
        let root = Self.freshRoot("prune")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let toolchains = Toolchains.discover(VerifierConfiguration())
        let cache = try #require(BuildCache(root: root, toolchains: toolchains, capacity: 4))
        for i in 0..<6 {
            cache.store(Data("\(i)".utf8), for: "k\(i)")
            // Oldest first, a second apart: what pruning orders by.
            var times = [timeval(tv_sec: 1_000_000 + i, tv_usec: 0), timeval(tv_sec: 1_000_000 + i, tv_usec: 0)]
            utimes(cache.folder + "/programs/" + BuildCache.hash("k\(i)"), &times)
        }
        #expect(cache.data(for: "k0") != nil)  // read now: the most recent of all
        let reopened = try #require(BuildCache(root: root, toolchains: toolchains, capacity: 4))
        let kept = (0..<6).filter { reopened.data(for: "k\($0)") != nil }
        #expect(kept == [0, 5], "kept \(kept)")
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: reopened.folder + "/programs")).contains { $0.hasSuffix(".partial") })
    }

    /// A second verifier on the same cache runs the test program the first one built: an
    /// entry made unrunnable changes its verdict, and without the cache it judges as before.
    @Test func aLaterVerifierUsesTheTestProgramsBuiltBefore() async throws {
        let root = Self.freshRoot("reuse")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var configuration = VerifierConfiguration()
        configuration.buildCache = root
        let sample = CForwardingTests.sample("    return 2 * x;\n}\n")
        let first = try Verifier(configuration: configuration)
        let built = await verify(sample, using: first)
        #expect(built.reward == 1.0 && built.detail.contains("candidate in its own process"), "\(built.detail)")
        let programs = try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.contains("/programs/") }
        #expect(programs.count == 2, "the test program and the answering object: \(programs)")
        let toolchainFolder = try #require(programs.first?.components(separatedBy: "/programs/").first)
        #expect(FileManager.default.fileExists(atPath: root + "/" + toolchainFolder + "/pch/hf_forward.h"))

        // Every entry keeps its key but holds a program that cannot run.
        for relative in programs {
            let path = root + "/" + relative
            let stored = try Data(contentsOf: URL(fileURLWithPath: path))
            let header = try #require(stored.firstRange(of: Data("\n".utf8), in: stored.index(stored.startIndex, offsetBy: 25)..<stored.endIndex))
            let keyLength = try #require(Int(String(decoding: stored[stored.index(stored.startIndex, offsetBy: 25)..<header.lowerBound], as: UTF8.self)))
            var broken = Data(stored[..<stored.index(header.upperBound, offsetBy: keyLength)])
            broken.append(Data("not a program".utf8))
            try broken.write(to: URL(fileURLWithPath: path))
        }
        let second = try Verifier(configuration: configuration)
        let reused = await verify(sample, using: second)
        #expect(reused.reward < 1.0, "\(reused.detail)")

        try FileManager.default.removeItem(atPath: root)
        let third = try Verifier(configuration: configuration)
        let rebuilt = await verify(sample, using: third)
        #expect(rebuilt.reward == 1.0, "\(rebuilt.detail)")
    }
}
