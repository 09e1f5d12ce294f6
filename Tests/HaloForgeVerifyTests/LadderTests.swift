import HaloForgeCore
import Foundation
@testable import HaloForgeVerify
import Testing

@Suite struct CLadderTests {
    @Test(arguments: [Language.c, .cpp])
    func syntaxErrorScoresZero(language: Language) async {
        let v = await verify(language, "int twice(int x) { return 2 * x }\n")
        #expect(v.outcome == .syntaxError)
        #expect(v.reward == 0.0)
        #expect(v.detail.contains("error"))
    }

    @Test(arguments: [Language.c, .cpp])
    func nonVoidJunkGetsWarningsNotCleanCompile(language: Language) async {
        // A bare syntax check would reward this: the warning set must catch it.
        let v = await verify(language, "int twice(int x) { { { ; } } }\n")
        #expect(v.outcome == .compiledWithWarnings)
        #expect(v.reward == 0.3)
        #expect(v.detail.contains("return"))
    }

    @Test(arguments: [Language.c, .cpp])
    func cleanCodeCompiles(language: Language) async {
        let v = await verify(language, "int twice(int x) { return 2 * x; }\n")
        #expect(v.outcome == .compiled)
        #expect(v.reward == 0.5)
    }

    @Test func cIsCompiledAsCAndLinksLibm() async {
        // `new` is an identifier in C; sqrt needs -lm.
        let v = await verify(.c, "#include <math.h>\n#include <stdio.h>\nint main(void) { double new = 2.0; printf(\"%.0f\\n\", sqrt(new * 8)); return 0; }\n",
            io: [IOCase(stdin: "", stdout: "4\n")])
        #expect(v.reward == 1.0, "\(v.detail)")
    }

    @Test func crashAfterCompilingKeepsTheCompileRung() async {
        let v = await verify(.c, "int twice(int x) { volatile int *p = 0; return *p + x; }\n", test: cTwiceTest)
        #expect(v.outcome == .crashed)
        #expect(v.reward == 0.5)
        #expect(v.runEnd == "signal 11 (SIGSEGV)")
    }

    @Test func warningsStillLowerACrash() async {
        let v = await verify(.c, "int twice(int x) { int y; volatile int *p = 0; return *p + x; }\nint unused(void) { }\n", test: cTwiceTest)
        #expect(v.outcome == .crashed)
        #expect(v.reward == 0.3)
    }

    @Test func infiniteLoopTimesOut() async {
        let v = await verify(.cpp, "int twice(int x) { for (;;) {} }\n", test: cTwiceTest)
        #expect(v.outcome == .timedOut)
        #expect(v.reward == 0.5)
    }

    @Test func runWithoutTestsReachesRan() async {
        let v = await verify(.c, "int main(void) { return 0; }\n", using: runningVerifier)
        #expect(v.outcome == .ran)
        #expect(v.reward == 0.7)
        let bad = await verify(.c, "int main(void) { return 4; }\n", using: runningVerifier)
        #expect(bad.outcome == .crashed)
        #expect(bad.reward == 0.5)
    }

    @Test func partialCreditByFractionOfTests() async {
        let v = await verify(.cpp, "int twice(int x) { return x == 2 ? 4 : 1; }\n", test: cTwiceTest)
        #expect(v.outcome == .failedTests)
        #expect(v.testsPassed == 1)
        #expect(v.testsTotal == 3)
        #expect(abs(v.reward - 0.8) < 1e-9)
        #expect(v.detail.contains("twice(0) == 0"))
    }

    @Test(arguments: [Language.c, .cpp])
    func correctHarnessPasses(language: Language) async {
        let v = await verify(language, "int twice(int x) { return 2 * x; }\n", test: cTwiceTest)
        #expect(v.outcome == .passed, "\(v.detail)")
        #expect(v.reward == 1.0)
        #expect(v.testsPassed == 3)
    }

    @Test func candidateMainDoesNotClashWithTheHarness() async {
        let v = await verify(.cpp, "#include <cstdio>\nint twice(int x) { return 2 * x; }\nint main() { printf(\"%d\", twice(3)); }\n", test: cTwiceTest)
        #expect(v.reward == 1.0, "\(v.detail)")
    }

    @Test func clangFamilyWorksToo() async throws {
        var configuration = VerifierConfiguration()
        configuration.compiler = .clang
        let clang = try Verifier(configuration: configuration)
        try #require(clang.toolchains.cxx != nil, "clang++ is not installed")
        let good = await verify(.cpp, "int twice(int x) { return 2 * x; }\n", test: cTwiceTest, using: clang)
        #expect(good.reward == 1.0, "\(good.detail)")
        let junk = await verify(.c, "int twice(int x) { { ; } }\n", using: clang)
        #expect(junk.reward == 0.3)
        // clang++ is often a link to clang: called by that name, it would not link libstdc++.
        let library = await verify(
            .cpp, "#include <string>\n#include <vector>\nint twice(int x) { std::vector<std::string> v(x > 0 ? x : 0, \"ab\"); return x > 0 ? (int)v.size() * 2 : 2 * x; }\n",
            test: cTwiceTest, using: clang)
        #expect(library.reward == 1.0, "\(library.detail)")
    }
}

@Suite struct IOTestsTests {
    let echoSum = "#include <stdio.h>\nint main(void) { int a, b; while (scanf(\"%d %d\", &a, &b) == 2) printf(\"%d\\n\", a + b); return 0; }\n"

    @Test func allCasesPass() async {
        let v = await verify(.c, echoSum, io: [IOCase(stdin: "1 2\n", stdout: "3"), IOCase(stdin: "5 5\n10 1\n", stdout: "10\n11\n\n")])
        #expect(v.outcome == .passed)
        #expect(v.testsTotal == 2)
    }

    @Test func trailingWhitespaceIsNormalisedButContentIsNot() async {
        let v = await verify(.c, echoSum, io: [IOCase(stdin: "1 2\n", stdout: "3   \n\n"), IOCase(stdin: "1 1\n", stdout: "3\n")])
        #expect(v.outcome == .failedTests)
        #expect(v.testsPassed == 1)
        #expect(abs(v.reward - 0.85) < 1e-9)
    }

    @Test func pythonScriptsRunWithIO() async {
        let v = await verify(.python, "import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))\n", io: [IOCase(stdin: "1 2 3", stdout: "6")])
        #expect(v.reward == 1.0, "\(v.detail)")
    }
}

@Suite struct PythonLadderTests {
    @Test func syntaxErrorScoresZero() async {
        let v = await verify(.python, "def twice(x)\n    return 2 * x\n", test: pyCheck, entryPoint: "twice")
        #expect(v.outcome == .syntaxError)
        #expect(v.reward == 0.0)
        #expect(v.detail.contains("SyntaxError"))
    }

    @Test func importErrorScoresZero() async {
        let v = await verify(.python, "import not_a_module_anywhere\ndef twice(x):\n    return 2 * x\n")
        #expect(v.outcome == .importError)
        #expect(v.reward == 0.0)
        #expect(v.detail.contains("ModuleNotFoundError"))
    }

    @Test func compileWarningsScorePointThree() async {
        let v = await verify(.python, "def twice(x):\n    s = \"\\d\"\n    return 2 * x if x is not 1 else 2\n")
        #expect(v.outcome == .compiledWithWarnings)
        #expect(v.reward == 0.3)
    }

    @Test func cleanImportScoresPointFive() async {
        let v = await verify(.python, "def twice(x):\n    return 2 * x\n")
        #expect(v.outcome == .compiled)
        #expect(v.reward == 0.5)
    }

    @Test func runReachesRan() async {
        let v = await verify(.python, "if __name__ == '__main__':\n    print('hi')\n", using: runningVerifier)
        #expect(v.outcome == .ran)
        #expect(v.reward == 0.7)
    }

    @Test func crashInTestsKeepsTheCompileRung() async {
        let v = await verify(.python, "import os\ndef twice(x):\n    os.kill(os.getpid(), 11)\n", test: pyCheck, entryPoint: "twice")
        #expect(v.outcome == .crashed)
        #expect(v.reward == 0.5)
    }

    @Test func hangingFunctionTimesOut() async {
        let v = await verify(.python, "def twice(x):\n    while True:\n        pass\n", test: pyCheck, entryPoint: "twice")
        #expect(v.outcome == .timedOut)
        #expect(v.reward == 0.5)
    }

    @Test func humanEvalStylePartialAndFull() async {
        let partial = await verify(.python, "def twice(x):\n    return 4 if x == 2 else 0\n", test: pyCheck, entryPoint: "twice")
        #expect(partial.outcome == .failedTests)
        #expect(partial.testsPassed == 2)
        #expect(partial.testsTotal == 3)
        let full = await verify(.python, "def twice(x):\n    return 2 * x\n", test: pyCheck, entryPoint: "twice")
        #expect(full.outcome == .passed)
        #expect(full.reward == 1.0)
    }

    @Test func mbppStyleAsserts() async {
        let test = "assert twice(2) == 4\nassert twice(0) == 0\n"
        let good = await verify(.python, "def twice(x):\n    return 2 * x\n", test: test)
        #expect(good.reward == 1.0, "\(good.detail)")
        let missing = await verify(.python, "def double(x):\n    return 2 * x\n", test: test)
        #expect(missing.outcome == .failedTests)
        #expect(missing.reward < 1.0)
    }

    @Test func pytestAndUnittestLadders() async {
        let pytestFile = "from solution import twice\n\ndef test_a():\n    assert twice(2) == 4\n\ndef test_b():\n    assert twice(0) == 0\n"
        let good = await verify(.python, "def twice(x):\n    return 2 * x\n", test: pytestFile, framework: .pytest)
        #expect(good.reward == 1.0, "\(good.detail)")
        let half = await verify(.python, "def twice(x):\n    return 4\n", test: pytestFile, framework: .pytest)
        #expect(half.testsPassed == 1 && half.testsTotal == 2)
        let none = await verify(.python, "def twice(x):\n    return 2 * x\n", test: "from solution import twice\n", framework: .pytest)
        #expect(none.outcome == .failedTests && none.reward < 1.0)
        let unit = "import unittest\nfrom solution import twice\nclass T(unittest.TestCase):\n    def test_a(self):\n        self.assertEqual(twice(2), 4)\n    def test_b(self):\n        self.assertEqual(twice(0), 0)\n"
        let unitGood = await verify(.python, "def twice(x):\n    return 2 * x\n", test: unit, framework: .unittest)
        #expect(unitGood.reward == 1.0, "\(unitGood.detail)")
        let unitEmpty = await verify(.python, "def twice(x):\n    return 2 * x\n", test: "import unittest\n", framework: .unittest)
        #expect(unitEmpty.reward < 1.0)
    }
}

@Suite struct CustomVerifierTests {
    @Test func commandTemplateLadder() async {
        let bad = await verify(.custom("shell"), "if then fi (\n")
        #expect(bad.outcome == .syntaxError)
        let compiled = await verify(.custom("shell"), "echo hi\n")
        #expect(compiled.outcome == .compiled)
        let io = await verify(.custom("shell"), "read a b\necho $((a + b))\n", io: [IOCase(stdin: "2 3\n", stdout: "5\n")])
        #expect(io.reward == 1.0, "\(io.detail)")
        let wrong = await verify(.custom("shell"), "read a b\necho $((a - b))\n", io: [IOCase(stdin: "2 3\n", stdout: "5\n"), IOCase(stdin: "0 0\n", stdout: "0\n")])
        #expect(wrong.outcome == .failedTests && abs(wrong.reward - 0.85) < 1e-9)
        let crash = await verify(.custom("shell"), "exit 3\n", io: [IOCase(stdin: "", stdout: "")])
        #expect(crash.outcome == .crashed && crash.reward == 0.5)
        let noisy = await verify(.custom("noisy"), "hello\n")
        #expect(noisy.outcome == .compiledWithWarnings && noisy.reward == 0.3)
    }

    @Test func argumentSplittingKeepsQuotes() {
        #expect(CustomVerifier.split("rustc -O '{file}' -o \"{output} x\"") == ["rustc", "-O", "{file}", "-o", "{output} x"])
    }
}

@Suite struct PrecompiledHeaderTests {
    @Test func stdcppHeaderVerdictIsTheSameWithThePrecompiledHeader() async throws {
        let pch = try PrecompiledHeaders(folder: FileManager.default.temporaryDirectory.path + "/hf-pch-test-\(getpid())")
        defer { try? FileManager.default.removeItem(atPath: pch.folder) }
        let flags = ["-std=gnu++20", "-O0"]
        let gxx = try #require(Toolchains.tool("g++"))
        #expect(!pch.ready(compiler: gxx.path, flags: flags))
        // Builds are one at a time process-wide: other suites' headers may come first.
        for _ in 0..<900 where !pch.ready(compiler: gxx.path, flags: flags) {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(pch.ready(compiler: gxx.path, flags: flags))
        #expect(FileManager.default.fileExists(atPath: pch.folder + "/bits/stdc++.h.gch/\(PrecompiledHeaders.key(flags)).gch"))
        let code = "#include <bits/stdc++.h>\nusing namespace std;\nint main() { vector<int> v{3, 1, 2}; sort(v.begin(), v.end()); cout << v[0]; }\n"
        let first = await verify(.cpp, code)
        let second = await verify(.cpp, code)
        #expect(first.outcome == .compiled && second.outcome == .compiled, "\(first.detail) / \(second.detail)")
    }
}
