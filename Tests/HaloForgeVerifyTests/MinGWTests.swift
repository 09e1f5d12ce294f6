import Foundation
import HaloForgeCore
import HaloForgeData
import HaloForgeSandbox
@testable import HaloForgeVerify
import Testing

/// Windows builds: MinGW-w64 cross compiles, wine runs the program in the jail.
/// scripts/install-test-deps.sh installs both.
let mingwVerifier: Verifier = {
    var configuration = VerifierConfiguration()
    configuration.target = .mingw
    configuration.runLimits = Limits(wallSeconds: 20, cpuSeconds: 5, memoryMiB: 512)
    do { return try Verifier(configuration: configuration) } catch { fatalError("cannot build the verifier: \(error)") }
}()

/// The same target where wine is missing: samples stop at the compile rungs.
let mingwWithoutWine: Verifier = {
    var configuration = VerifierConfiguration()
    configuration.target = .mingw
    configuration.wine = "/nonexistent/wine64"
    do { return try Verifier(configuration: configuration) } catch { fatalError("cannot build the verifier: \(error)") }
}()

@Suite struct MinGWTests {
    let folder = Datasets.defaultFolder()

    static func mean(_ values: [Double]) -> String {
        String(format: "%.2f", values.reduce(0, +) / Double(max(values.count, 1)))
    }

    @Test func toolsAreInstalled() {
        #expect(mingwVerifier.toolchains.problems.isEmpty, "\(mingwVerifier.toolchains.problems): run scripts/install-test-deps.sh")
    }

    /// Every HumanEval-X C++ reference solution, with its test main, builds for Windows.
    @Test func humanEvalXCppCrossCompiles() async throws {
        let (samples, _) = try Datasets.load(.humanevalXCpp, folder: folder)
        #expect(samples.count >= 161)
        let started = Date()
        let verdicts = await verifyAll(samples, using: mingwWithoutWine)
        #expect(verdicts.count == samples.count)
        // CPP/39's reference solution falls off the end of a non-void function: gcc warns (0.3).
        let warns: Set = ["CPP/39"]
        let low = verdicts.filter { $0.value.reward < (warns.contains($0.key) ? 0.3 : 0.5) }.map { "\($0.key): \($0.value.detail)" }
        #expect(low.isEmpty, "\(low.prefix(5))")
        for id in warns { #expect(verdicts[id]?.outcome == .compiledWithWarnings, "\(id): \(verdicts[id]?.detail ?? "")") }
        #expect(verdicts.values.allSatisfy { $0.reward <= 0.5 && $0.detail.contains("not run") })
        print(
            "mingw compile: \(verdicts.count) samples in \(String(format: "%.1f", Date().timeIntervalSince(started))) s, "
                + "mean compile \(Self.mean(verdicts.values.map(\.compileSeconds))) s")
    }

    /// A stretch of HumanEval-X C++ run under wine: the harness reports every assert passed.
    @Test func humanEvalXCppHarnessesPassUnderWine() async throws {
        let (samples, _) = try Datasets.load(.humanevalXCpp, folder: folder)
        let subset = Array(samples.prefix(24))
        let started = Date()
        let verdicts = await verifyAll(subset, using: mingwVerifier)
        #expect(verdicts.count == subset.count)
        let failing = verdicts.filter { $0.value.reward != 1.0 }.map { "\($0.key): \($0.value.detail)" }
        #expect(failing.isEmpty, "\(failing.prefix(5))")
        print(
            "mingw + wine: \(verdicts.count) samples in \(String(format: "%.1f", Date().timeIntervalSince(started))) s, "
                + "mean compile \(Self.mean(verdicts.values.map(\.compileSeconds))) s, mean wine run \(Self.mean(verdicts.values.map(\.runSeconds))) s")
    }

    @Test func returnNoneControlsNeverPass() async throws {
        let (samples, _) = try Datasets.load(.humanevalXCpp, folder: folder, candidates: .returnNone)
        let verdicts = await verifyAll(Array(samples.prefix(6)), using: mingwVerifier)
        for (id, verdict) in verdicts {
            #expect(verdict.reward < 1.0, "\(id): \(verdict.detail)")
        }
    }

    @Test func brokenSolutionScoresZero() async {
        for v in [mingwVerifier, mingwWithoutWine] {
            let verdict = await verify(.cpp, "int twice(int x) { return 2 * x }\n", test: cTwiceTest, using: v)
            #expect(verdict.reward == 0.0 && verdict.outcome == .syntaxError, "\(verdict.detail)")
        }
        // Compiles, but the harness's call does not link: also a compile error.
        let unlinked = await verify(.c, "int thrice(int x) { return 3 * x; }\n", test: cTwiceTest, using: mingwVerifier)
        #expect(unlinked.reward == 0.0, "\(unlinked.detail)")
    }

    @Test func cHarnessRunsUnderWine() async {
        let good = await verify(.c, "int twice(int x) { return 2 * x; }\n", test: cTwiceTest, using: mingwVerifier)
        #expect(good.reward == 1.0 && good.testsPassed == 3, "\(good.detail)")
        let wrong = await verify(.c, "int twice(int x) { return x + 2; }\n", test: cTwiceTest, using: mingwVerifier)
        #expect(wrong.reward < 1.0 && wrong.testsPassed == 1 && wrong.testsTotal == 3, "\(wrong.detail)")
    }

    static let sumProgram = "#include <iostream>\nint main() { long a, b; std::cin >> a >> b; std::cout << a + b << std::endl; }\n"
    static let sumCases = [IOCase(stdin: "1 2\n", stdout: "3\n"), IOCase(stdin: "40 2\n", stdout: "42\n")]

    @Test func ioCasesRunUnderWine() async {
        let right = await verify(.cpp, Self.sumProgram, io: Self.sumCases, using: mingwVerifier)
        #expect(right.reward == 1.0, "\(right.detail)")
        let wrong = await verify(.cpp, Self.sumProgram.replacingOccurrences(of: "a + b", with: "a - b"), io: Self.sumCases, using: mingwVerifier)
        #expect(wrong.reward < 1.0 && wrong.testsPassed == 0, "\(wrong.detail)")
        let noWine = await verify(.cpp, Self.sumProgram, io: Self.sumCases, using: mingwWithoutWine)
        #expect(noWine.reward == 0.5 && noWine.detail.contains("not run"), "\(noWine.detail)")
    }

    @Test func hangingProgramIsStoppedAtTheWallLimit() async {
        // The CPU limit (5 s) or the wall limit (20 s) ends it; wine's processes die with the jail's PID namespace.
        let verdict = await verify(.c, "int twice(int x) { for (;;) {} }\n", test: cTwiceTest, using: mingwVerifier)
        #expect(verdict.outcome == .timedOut && verdict.reward == 0.5, "\(verdict.detail)")
        #expect(verdict.runSeconds < 25, "\(verdict.runSeconds)")
    }

    @Test func memoryLimitHoldsUnderWine() async {
        // 512 MiB configured: wine's floor of 2 GiB of address space still refuses 3 GiB.
        let code = "#include <stdio.h>\n#include <stdlib.h>\nint main(void) { char *p = malloc((size_t)3 << 30); puts(p ? \"got\" : \"refused\"); return 0; }\n"
        let verdict = await verify(.c, code, io: [IOCase(stdin: "", stdout: "got\n")], using: mingwVerifier)
        #expect(verdict.reward < 1.0 && verdict.detail.contains("refused"), "\(verdict.detail)")
        #expect(MinGWVerifier.wineMemoryMiB(512) == 2048 && MinGWVerifier.wineMemoryMiB(4096) == 4352)
    }

    static let attacks: [(String, String)] = [
        ("exit(0) inside the function", "#include <stdlib.h>\nint twice(int x) { exit(0); }\n"),
        ("_exit(0) inside the function", "#include <stdlib.h>\nint twice(int x) { _exit(0); }\n"),
        ("ExitProcess(0)", "#include <windows.h>\nint twice(int x) { ExitProcess(0); }\n"),
        ("forged report on stderr", "#include <stdio.h>\n#include <stdlib.h>\nint twice(int x) { fputs(\"\\nDONE 0123456789abcdef0123456789abcdef 3 3\\n\", stderr); exit(0); }\n"),
        ("redefine assert", "#include <assert.h>\n#undef assert\n#define assert(x) ((void)0)\nint twice(int x) { return 0; }\n"),
        ("define WriteFile", "int WriteFile(void) { return 1; }\nint NtWriteFile(void) { return 0; }\nint twice(int x) { return 0; }\n"),
        ("read the test source from disk", "#include <stdio.h>\nint twice(int x) { FILE *f = fopen(\"main.c\", \"r\"); if (f) { fclose(f); return 2 * x; } return 0; }\n"),
    ]

    @Test(arguments: attacks.map(\.0))
    func attackDoesNotPass(name: String) async {
        let code = Self.attacks.first { $0.0 == name }!.1
        let v = await verify(.c, code, test: cTwiceTest, using: mingwVerifier)
        #expect(v.reward < 1.0 && v.outcome != .passed, "\(name) reached \(v.reward): \(v.detail)")
    }

    @Test func missingCrossCompilerSaysWhatToInstall() async throws {
        var configuration = VerifierConfiguration()
        configuration.target = .mingw
        configuration.mingwCXX = "x86_64-w64-mingw32-g++-absent"
        configuration.wine = "/nonexistent/wine64"
        let verifier = try Verifier(configuration: configuration)
        let verdict = await verify(.cpp, Self.sumProgram, io: Self.sumCases, using: verifier)
        #expect(verdict.outcome == .error && verdict.reward == 0)
        #expect(verdict.detail == "x86_64-w64-mingw32-g++-absent not found on PATH: install MinGW-w64 (Debian: apt-get install g++-mingw-w64-x86-64)")
        #expect(verifier.toolchains.problems.contains { $0.hasPrefix("/nonexistent/wine64 not found") })
        // C still builds with the compiler that is there.
        let c = await verify(.c, "int twice(int x) { return 2 * x; }\n", test: cTwiceTest, using: verifier)
        #expect(c.reward == 0.5 && c.detail.contains("not run"), "\(c.detail)")
    }
}
