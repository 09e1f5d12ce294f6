import Foundation
import HaloForgeCore
@testable import HaloForgeVerify
import Testing

/// Issue 11's forged C/C++ verdicts (classes 1, 2, 3, 9, 10) and the pragma item of 17, through
/// the real compiler and jail.
@Suite struct CJudgeAttackTests {
    static let wrong = "int twice(int x) { return 0; }\n"

    /// Class 2: a macro that rewrites the tested function, spelled so that a line-based scan for
    /// `#define` misses it.
    static let hiddenMacros: [(String, String)] = [
        ("comment between # and define", wrong + "#/**/define twice(x) (2 * (x))\n"),
        ("comment before #", wrong + "/* note */ # define twice(x) (2 * (x))\n"),
        ("comment spanning the line before", wrong + "/*\n*/#define twice(x) (2 * (x))\n"),
        ("backslash-newline in define", wrong + "#def\\\nine twice(x) (2 * (x))\n"),
        ("backslash, blanks, newline", wrong + "#de\\   \nfine twice(x) (2 * (x))\n"),
        ("CRLF splice", wrong + "#def\\\r\nine twi\\\r\nce(x) (2 * (x))\r\n"),
        ("digraph %:", wrong + "%:/**/define twice(x) (2 * (x))\n"),
        ("splice inside the name", wrong + "#define tw\\\nice(x) (2 * (x))\n"),
        ("hidden assert", wrong + "#/**/define assert(x) ((void)0)\n"),
    ]

    @Test(arguments: hiddenMacros.map(\.0))
    func hiddenMacroDoesNotRewriteTheTest(name: String) async {
        let code = Self.hiddenMacros.first { $0.0 == name }!.1
        for language in [Language.c, .cpp] {
            let v = await verify(language, code, test: cTwiceTest)
            #expect(v.reward < 1.0, "\(name) (\(language)) reached \(v.reward): \(v.detail)")
        }
    }

    /// Trigraphs exist only in ISO modes: there `??=define` is a directive.
    @Test func trigraphDefineInAnISOMode() async throws {
        var configuration = VerifierConfiguration()
        configuration.runLimits = .init(wallSeconds: 20, cpuSeconds: 3, memoryMiB: 512)
        configuration.cStandard = "c11"
        configuration.warnings = ["-Wall", "-Wno-trigraphs"]
        let iso = try Verifier(configuration: configuration)
        let v = await verify(.c, Self.wrong + "??=define twice(x) (2 * (x))\n", test: cTwiceTest, using: iso)
        #expect(v.reward < 1.0, "\(v.detail)")
        let honest = await verify(.c, "int twice(int x) { return 2 * x; }\n", test: cTwiceTest, using: iso)
        #expect(honest.reward == 1.0, "\(honest.detail)")
    }

    @Test func scanFindsEveryDefine() {
        for (name, code) in Self.hiddenMacros {
            let names = CHarness.definedMacros(code)
            #expect(names.contains("twice") || names.contains("assert"), "\(name): \(names)")
        }
        // and none inside comments, strings or raw strings
        let quiet = "/*\n#define a 1\n*/\nconst char *s = \"\\\n#define b 2\";\n// #define c 3\nauto r = R\"x(\n#define d 4\n)x\";\n"
        #expect(CSourceScan(quiet, cplusplus: true, trigraphs: false).definedMacros == [])
        // a raw string that a plain string reading would end early must not hide what follows it
        let raw = "auto r = R\"x(\" /* )x\";\n#define twice(x) (2 * (x))\n// */\n"
        #expect(CHarness.definedMacros(raw).contains("twice"))
        // nor a digit separator that looks like a character literal
        let separator = "int n = 1'2'/*';\n#define twice(x) (2 * (x))\n// */\n"
        #expect(CHarness.definedMacros(separator).contains("twice"))
    }

    /// Item 17: pragmas and markers that silence the warning a missing return gets.
    static let silenced: [(String, String)] = [
        ("#pragma GCC diagnostic", "#pragma GCC diagnostic ignored \"-Wreturn-type\"\nint twice(int x) { { ; } }\n"),
        ("#pragma GCC diagnostic, hidden", "#/**/pragma GCC diagnostic ignored \"-Wreturn-type\"\nint twice(int x) { { ; } }\n"),
        ("%:pragma", "%:pragma GCC diagnostic ignored \"-Wall\"\n%:pragma GCC diagnostic ignored \"-Wreturn-type\"\nint twice(int x) { { ; } }\n"),
        ("_Pragma", "_Pragma(\"GCC diagnostic ignored \\\"-Wreturn-type\\\"\")\nint twice(int x) { { ; } }\n"),
        ("_Pragma in a macro", "#define QUIET _Pragma(\"GCC diagnostic ignored \\\"-Wreturn-type\\\"\")\nQUIET\nint twice(int x) { { ; } }\n"),
        ("_Pragma pasted together", "#define P(a, b) a##b\n#define S(x) #x\nP(_Pra, gma)(S(GCC diagnostic ignored \"-Wreturn-type\"))\nint twice(int x) { { ; } }\n"),
        ("#pragma clang diagnostic", "#pragma GCC diagnostic ignored \"-Wreturn-type\"\n#pragma clang diagnostic ignored \"-Wreturn-type\"\nint twice(int x) { { ; } }\n"),
        ("system_header by self-include", "#ifndef ONCE\n#define ONCE\n#include __FILE__\n#else\n#pragma GCC system_header\nint twice(int x) { { ; } }\n#endif\n"),
        ("line marker with the system flag", "# 1 \"/usr/include/hf.h\" 3\nint twice(int x) { { ; } }\n"),
    ]

    @Test(arguments: silenced.map(\.0))
    func silencingPragmaDoesNotLiftTheRung(name: String) async {
        let code = Self.silenced.first { $0.0 == name }!.1
        for language in [Language.c, .cpp] {
            let v = await verify(language, code)
            #expect(v.reward == 0.3, "\(name) (\(language)): \(v.reward) \(v.detail)")
            #expect(v.outcome == .compiledWithWarnings)
        }
    }

    @Test func silencingPragmaDoesNotLiftTheRungWithClang() async throws {
        var configuration = VerifierConfiguration()
        configuration.compiler = .clang
        let clang = try Verifier(configuration: configuration)
        try #require(clang.toolchains.cc != nil, "clang is not installed")
        for (name, code) in Self.silenced {
            let v = await verify(.c, code, using: clang)
            #expect(v.reward <= 0.3, "\(name) (clang): \(v.reward) \(v.detail)")
        }
    }

    /// Pragmas that change nothing about diagnostics, or code that is clean anyway, keep 0.5.
    @Test func harmlessPragmasKeepTheRung() async {
        let clean = [
            "#pragma GCC optimize(\"O2\")\nint twice(int x) { return 2 * x; }\n",
            "#pragma GCC diagnostic push\n#pragma GCC diagnostic ignored \"-Wreturn-type\"\nint twice(int x) { return 2 * x; }\n#pragma GCC diagnostic pop\n",
            "#define CAT(a, b) a##b\nint CAT(tw, ice)(int x) { return 2 * x; }\n",
        ]
        for code in clean {
            for language in [Language.c, .cpp] {
                let v = await verify(language, code)
                #expect(v.reward == 0.5, "\(language): \(v.detail)")
            }
        }
    }
}
