import Foundation
import HaloForgeCore
@testable import HaloForgeVerify
import Testing

/// What makes verification cheaper must not change a verdict: the linker gcc is given, the
/// forwarded test program's own standard, the precompiled driver and when a candidate's
/// include set is precompiled. Real g++, the real judge, the real jail.
@Suite struct VerifierSpeedTests {
    /// The faster linker is one the jail can run: a C++ program linked with it passes its
    /// tests, and a missing symbol is still the sample's compile error.
    @Test func linksWithAFasterLinkerWhereThereIsOne() async {
        let expected = ["mold", "lld", "gold"].first { name in
            ["/usr/local/bin", "/usr/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/ld.\(name)") }
        }
        #expect(verifier.toolchains.linkFlags == (expected.map { ["-fuse-ld=\($0)"] } ?? []))
        let passed = await verify(CForwardingTests.sample("    return 2 * x;\n}\n"))
        #expect(passed.reward == 1.0, "\(passed.detail)")
        let undefined = await verify(.cpp, "int helper(int);\nint twice(int x) { return helper(x); }\n", test: CForwardingTests.test)
        #expect(undefined.outcome == .syntaxError && undefined.reward == 0, "\(undefined.detail)")
    }

    @Test func testProgramStandard() {
        #expect(CForwarding.testStandard("gnu++20") == "-std=gnu++17")
        #expect(CForwarding.testStandard("c++23") == "-std=gnu++17")
        #expect(CForwarding.testStandard("c++17") == "-std=c++17")
        #expect(CForwarding.testStandard("c++14") == "-std=c++14")
    }

    /// A test written for C++20 (`starts_with`) does not build as C++17: the test program is
    /// built again with the sample's standard, and the candidate stays in its own process.
    @Test func aTestThatNeedsTheSamplesStandardStillJudges() async {
        let prompt = "#include<string>\nusing namespace std;\nbool hello(string s){\n"
        let test = "#include<assert.h>\nint main(){\n    assert(hello(\"hello there\"));\n    assert(string(\"abc\").starts_with(\"ab\"));\n    assert(!hello(\"bye\"));\n}\n"
        let honest = await verify(CForwardingTests.sample("    return s.rfind(\"hello\", 0) == 0;\n}\n", prompt: prompt, test: test))
        #expect(honest.reward == 1.0, "\(honest.detail)")
        #expect(honest.detail.contains("integrity: candidate in its own process"), "\(honest.detail)")
        let wrong = await verify(CForwardingTests.sample("    return true;\n}\n", prompt: prompt, test: test))
        #expect(wrong.reward < 1.0 && wrong.testsPassed == 2, "\(wrong.detail)")
    }

    /// The judge starts from its precompiled form, and judges as before.
    @Test func theDriverIsPrecompiled() async {
        #expect(FileManager.default.fileExists(atPath: verifier.folder + "/.harness/hf_driver.pyc"))
        let honest = await verify(.python, "def add(a, b):\n    return a + b\n", test: "assert add(1, 2) == 3\nassert add(-1, 1) == 0\n")
        #expect(honest.reward == 1.0, "\(honest.detail)")
        let wrong = await verify(.python, "def add(a, b):\n    return a - b\n", test: "assert add(1, 2) == 3\nassert add(-1, 1) == 0\n")
        #expect(wrong.reward < 1.0 && wrong.testsPassed == 0, "\(wrong.detail)")
    }

    /// A candidate's include set is precompiled on its second sighting, not its first.
    @Test func anIncludeSetIsPrecompiledWhenSeenAgain() async throws {
        let pch = try PrecompiledHeaders(folder: FileManager.default.temporaryDirectory.path + "/hf-pch-again-\(getpid())")
        defer { try? FileManager.default.removeItem(atPath: pch.folder) }
        let gxx = try #require(Toolchains.tool("g++"))
        let (name, _) = try #require(pch.leadingIncludes(of: "#include <vector>\nint f() { return 1; }\n"))
        let flags = ["-std=gnu++20", "-O2"]
        let built = pch.folder + "/\(name).gch/\(PrecompiledHeaders.key(flags + [name])).gch"
        #expect(!pch.ready(compiler: gxx.path, flags: flags, header: name, after: 2))
        try await Task.sleep(for: .seconds(2))
        #expect(!FileManager.default.fileExists(atPath: built), "built on its first sighting")
        #expect(!pch.ready(compiler: gxx.path, flags: flags, header: name, after: 2))
        for _ in 0..<600 where !pch.ready(compiler: gxx.path, flags: flags, header: name, after: 2) {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(pch.ready(compiler: gxx.path, flags: flags, header: name, after: 2))
        #expect(FileManager.default.fileExists(atPath: built))
    }
}
