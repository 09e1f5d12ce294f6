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

    /// Class 3: C++ objects that compare equal to everything, overloads that win resolution,
    /// and free operators that take over the comparisons of standard types in a test helper.
    static let cppCompareTest = """
        #include <cassert>
        #include <vector>
        #include <string>
        #include <map>
        bool issame(std::vector<std::string> a, std::vector<std::string> b) {
            if (a.size() != b.size()) return false;
            for (size_t i = 0; i < a.size(); i++) if (a[i] != b[i]) return false;
            return true;
        }
        int main() {
            assert(twice(2) == 4);
            assert(twice(-3) != 5);
            assert(words(2) == std::vector<std::string>({"a", "b"}));
            assert(issame(words(1), {"a"}));
            assert(counts() == (std::map<char, int>{{'a', 2}}));
        }
        """

    static let honestCpp = """
        #include <vector>
        #include <string>
        #include <map>
        int twice(int x) { return 2 * x; }
        std::vector<std::string> words(int n) { return n == 2 ? std::vector<std::string>{"a", "b"} : std::vector<std::string>{"a"}; }
        std::map<char, int> counts() { return {{'a', 2}}; }
        """

    static let cppAttacks: [(String, String)] = [
        ("an object equal to everything", """
            #include <vector>
            #include <string>
            #include <map>
            struct Any {
                template <class T> bool operator==(const T &) const { return true; }
                template <class T> bool operator!=(const T &) const { return false; }
                template <class T> operator T() const { return T(); }
            };
            Any twice(int) { return {}; }
            Any words(int) { return {}; }
            Any counts() { return {}; }
            """),
        ("an overload that wins resolution", """
            #include <vector>
            #include <string>
            #include <map>
            struct Any { template <class T> friend bool operator==(const Any &, const T &) { return true; } template <class T> friend bool operator!=(const Any &, const T &) { return false; } };
            int twice(long x) { return 0; }
            Any twice(int) { return {}; }
            std::vector<std::string> words(int n) { return {}; }
            Any words(long) { return {}; }
            std::map<char, int> counts() { return {}; }
            """),
        ("free operators on standard types", """
            #include <vector>
            #include <string>
            #include <map>
            bool operator==(const std::vector<std::string> &, const std::vector<std::string> &) { return true; }
            bool operator!=(const std::string &, const std::string &) { return false; }
            bool operator==(const std::map<char, int> &, const std::map<char, int> &) { return true; }
            int twice(int x) { return 4; }
            std::vector<std::string> words(int n) { return {"z"}; }
            std::map<char, int> counts() { return {}; }
            """),
        ("operators in namespace std", """
            #include <vector>
            #include <string>
            #include <map>
            namespace std {
            bool operator==(const vector<string> &, const vector<string> &) { return true; }
            bool operator!=(const string &, const string &) { return false; }
            }
            int twice(int x) { return 4; }
            std::vector<std::string> words(int n) { return {"z"}; }
            std::map<char, int> counts() { return {{'a', 2}}; }
            """),
    ]

    @Test func honestCppComparesAsPlainData() async {
        let v = await verify(.cpp, Self.honestCpp, test: Self.cppCompareTest)
        #expect(v.reward == 1.0, "\(v.detail)")
        #expect(v.detail.contains("integrity: in-process"))
    }

    @Test(arguments: cppAttacks.map(\.0))
    func cppComparisonAttackDoesNotPass(name: String) async {
        let code = Self.cppAttacks.first { $0.0 == name }!.1
        let v = await verify(.cpp, code, test: Self.cppCompareTest)
        #expect(v.reward < 1.0, "\(name) reached \(v.reward): \(v.detail)")
    }

    /// Class 1: the token in the program's stdin; class 10: anything like it in the program's
    /// memory or the judge's. Each writes a DONE line with what it found onto every fd.
    static let tokenThieves: [(String, String)] = [
        ("class 1: the token from stdin in a constructor", """
            #include <unistd.h>
            #include <stdio.h>
            __attribute__((constructor)) static void steal(void) {
                char tok[80];
                long n = read(0, tok, 64);
                if (n <= 0) return;
                while (n > 0 && tok[n - 1] == '\\n') n--;
                tok[n] = 0;
                char line[160];
                int len = snprintf(line, sizeof line, "DONE %s 3 3\\n", tok);
                for (int fd = 3; fd < 1024; fd++) write(fd, line, len);
                _exit(0);
            }
            int twice(int x) { return 0; }
            """),
        ("class 10: the token from /proc/<pid>/mem", """
            #include <fcntl.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <unistd.h>
            static int hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
            static void scan(const char *pid) {
                char path[64];
                snprintf(path, sizeof path, "/proc/%s/maps", pid);
                FILE *maps = fopen(path, "r");
                snprintf(path, sizeof path, "/proc/%s/mem", pid);
                int mem = open(path, O_RDONLY);
                if (!maps || mem < 0) return;
                unsigned long a, b;
                char perm[8];
                static char buf[1 << 22];
                while (fscanf(maps, "%lx-%lx %7s%*[^\\n]", &a, &b, perm) == 3) {
                    if (perm[0] != 'r' || b - a > sizeof buf) continue;
                    long n = pread(mem, buf, b - a, (off_t)a);
                    for (long i = 0, run = 0; i < n; i++) {
                        run = hex(buf[i]) ? run + 1 : 0;
                        if (run == 32 && (i + 1 >= n || !hex(buf[i + 1]))) {
                            char line[64];
                            int len = snprintf(line, sizeof line, "DONE %.32s 3 3\\n", buf + i - 31);
                            for (int fd = 3; fd < 1024; fd++) write(fd, line, len);
                        }
                    }
                }
            }
            int twice(int x) {
                char parent[16];
                snprintf(parent, sizeof parent, "%d", (int)getppid());
                scan("self");
                scan(parent);
                _exit(0);
            }
            """),
    ]

    @Test(arguments: tokenThieves.map(\.0))
    func tokenThiefDoesNotPass(name: String) async {
        let code = Self.tokenThieves.first { $0.0 == name }!.1
        for language in [Language.c, .cpp] {
            let v = await verify(language, code, test: cTwiceTest)
            #expect(v.reward < 1.0, "\(name) (\(language)) reached \(v.reward): \(v.detail)")
            #expect(v.outcome != .passed)
        }
    }

    /// Class 3 beyond `==`: the prompt's declaration is the only way the test reaches the
    /// candidate, so overloads, operators and conversions of the candidate's own types never
    /// meet the test's expression (`abs(f(x) - y) < 1e-4`).
    static let truncatePrompt = "#include<stdio.h>\n#include<math.h>\nusing namespace std;\nfloat truncate_number(float number){\n"
    static let truncateTest = "#undef NDEBUG\n#include<assert.h>\nint main(){\n assert (truncate_number(3.5) == 0.5);\n assert (abs(truncate_number(1.33) - 0.33) < 1e-4);\n}\n"

    static func truncateSample(_ completion: String) -> Sample {
        Sample(id: "t", language: .cpp, candidate: .completion(completion, prompt: truncatePrompt), test: truncateTest)
    }

    @Test func entryPointWrapperKeepsTheDeclaredType() async {
        let honest = await verify(Self.truncateSample("    return number - int(number);\n}\n"))
        #expect(honest.reward == 1.0, "\(honest.detail)")
        let attacks = [
            // an object that converts to the expected value of whatever it is compared with
            "    return 0;\n}\nstruct M { template <class T> bool operator==(T) const { return true; } template <class T> bool operator<(T) const { return true; } };\n"
                + "M operator-(M, double) { return {}; }\nM abs(M) { return {}; }\nM truncate_number(double) { return {}; }\n",
            // an overload that wins resolution for the test's argument type
            "    return 0;\n}\nstruct M { operator float() const { return 0.5f; } };\nM truncate_number(double x) { return {}; }\n",
            // the renaming macro removed, so the candidate's overload faces the test directly
            "    return 0;\n}\n#undef truncate_number\nstruct M { template <class T> bool operator==(T) const { return true; } template <class T> bool operator<(T) const { return true; } };\n"
                + "M operator-(M, double) { return {}; }\nM abs(M) { return {}; }\nM truncate_number(double) { return {}; }\n",
        ]
        for code in attacks {
            let v = await verify(Self.truncateSample(code))
            #expect(v.reward < 1.0, "\(code): \(v.reward) \(v.detail)")
        }
    }
}
