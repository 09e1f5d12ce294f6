import Foundation
import HaloForgeCore
import HaloForgeData
@testable import HaloForgeVerify
import Testing

/// C candidates out of process: compiled as C, linked to the answering main, judged by a C
/// test program that holds none of their code. Real gcc, the real judge, the real jail.
@Suite struct CForwardingCTests {
    static let own = "integrity: candidate in its own process"

    static func forwarded(_ code: String, test: String = cTwiceTest, entry: String = "twice") async -> Verdict {
        await verify(.c, code, test: test, entryPoint: entry)
    }

    @Test func honestAndWrongThroughTheStub() async {
        let honest = await Self.forwarded("int twice(int x) {\n    return 2 * x;\n}\n")
        #expect(honest.reward == 1.0, "\(honest.detail)")
        #expect(honest.detail.contains(Self.own), "\(honest.detail)")
        let wrong = await Self.forwarded("int twice(int x) { return x + 2; }\n")
        #expect(wrong.reward < 1.0 && wrong.testsPassed == 1, "\(wrong.detail)")
        #expect(wrong.detail.contains(Self.own), "\(wrong.detail)")
        // A declaration on the prompt's last line, as HumanEval-X style C prompts end.
        let prompt = "#include <stdio.h>\nunsigned char low_byte(unsigned int x){\n"
        let completed = await verify(Sample(
            id: "t", language: .c, candidate: .completion("    return (unsigned char)(x & 0xff);\n}\n", prompt: prompt),
            test: "#include <assert.h>\nint main(void) { assert(low_byte(257) == 1); assert(low_byte(255) == 255); return 0; }\n"))
        #expect(completed.reward == 1.0 && completed.detail.contains(Self.own), "\(completed.detail)")
    }

    /// Every kind crosses exactly: strings in and out (empty, NULL, spaces, newlines), a
    /// string the test frees, hex floats, bool and _Bool, char, the ends of the integer ranges.
    @Test func plainCTypesCrossExactly() async {
        let cases: [(name: String, code: String, test: String)] = [
            ("reverse", """
                #include <stdlib.h>
                #include <string.h>
                char *reverse(const char *s) {
                    if (!s) return NULL;
                    size_t n = strlen(s);
                    char *r = malloc(n + 1);
                    for (size_t i = 0; i < n; i++) r[i] = s[n - 1 - i];
                    r[n] = 0;
                    return r;
                }
                """, """
                #include <assert.h>
                #include <stdlib.h>
                #include <string.h>
                int main(void) {
                    char *r = reverse("a b\\nc");
                    assert(strcmp(r, "c\\nb a") == 0);
                    free(r);
                    assert(strcmp(reverse(""), "") == 0);
                    assert(reverse(NULL) == NULL);
                    return 0;
                }
                """),
            ("tenth", "double tenth(float f, long double x) { return (double)f / 10 + (double)x; }\n", """
                #include <assert.h>
                int main(void) {
                    assert(tenth(1.0f, 0.0L) == 0.1);
                    assert(tenth(-2.5f, 1e300L) == -0.25 + 1e300);
                    assert(tenth(0.0f, -0.0L) == 0.0);
                    return 0;
                }
                """),
            ("both", "#include <stdbool.h>\nbool both(_Bool a, bool b, char c) { return a && b && c == 'q'; }\n", """
                #include <assert.h>
                #include <stdbool.h>
                int main(void) {
                    assert(both(1, true, 'q'));
                    assert(!both(1, false, 'q'));
                    assert(!both(true, true, '\\n'));
                    return 0;
                }
                """),
            ("mean", "#include <stddef.h>\ndouble mean(const double *xs, size_t n, const int *w, int m) {\n    if (!xs) return -1;\n    double t = 0;\n    for (size_t i = 0; i < n; i++) t += xs[i];\n    for (int i = 0; i < m; i++) t += w[i];\n    return n ? t / (double)n : 0;\n}\n", """
                #include <assert.h>
                int main(void) {
                    const double xs[] = {0.5, 0.25, 0.125};
                    const int w[] = {-1, 1, 2000000000};
                    assert(mean(xs, 3, w, 2) == 0.875 / 3);
                    assert(mean(xs, 2, w, 3) == 1000000000.375);
                    assert(mean(xs, 0, w, -5) == 0);
                    assert(mean(0, 0, w, 0) == -1);
                    return 0;
                }
                """),
            ("span", "unsigned long long span(long long lo, unsigned long long hi, signed char c, short s) { return hi - (unsigned long long)lo + (unsigned long long)(c + s); }\n", """
                #include <assert.h>
                int main(void) {
                    assert(span(0, 18446744073709551615ULL, 0, 0) == 18446744073709551615ULL);
                    assert(span(-9223372036854775807LL - 1, 0, -128, -32768) == 9223372036854775808ULL - 128 - 32768);
                    assert(span(5, 5, 1, 2) == 3);
                    return 0;
                }
                """),
        ]
        for c in cases {
            let v = await Self.forwarded(c.code, test: c.test, entry: c.name)
            #expect(v.reward == 1.0, "\(c.name): \(v.detail)")
            #expect(v.detail.contains(Self.own), "\(c.name): \(v.detail)")
        }
    }

    /// The candidate is compiled as C and the tests as C: code that only C accepts passes.
    @Test func cSemanticsKept() async {
        let code = """
            #include <stdlib.h>
            int sum_new(int n) {
                int *new = malloc(n * sizeof *new);  /* C: void * converts, `new` is a name */
                int class = 0;
                for (int i = 0; i < n; i++) new[i] = i;
                for (int i = 0; i < n; i++) class += new[i];
                free(new);
                return class;
            }
            """
        let test = "#include <assert.h>\n#include <stdlib.h>\nint main(void) {\n    int *template = malloc(sizeof *template);\n    *template = sum_new(4);\n    assert(*template == 6);\n    assert(sum_new(0) == 0);\n    free(template);\n    return 0;\n}\n"
        let v = await Self.forwarded(code, test: test, entry: "sum_new")
        #expect(v.reward == 1.0, "\(v.detail)")
        #expect(v.detail.contains(Self.own), "\(v.detail)")
    }

    /// Class 9 in C: `END n n` on every descriptor, then from the call with `_exit`, and the
    /// harness's `.bss` counters patched at exit: the counts live in the test program only.
    static let forgers: [(String, String)] = [
        ("END on every fd", """
            #include <unistd.h>
            __attribute__((constructor)) static void forge(void) {
                for (int fd = 3; fd < 1024; fd++) write(fd, "END 3 3\\n", 8);
            }
            int twice(int x) { return 0; }
            """),
        ("END then exit from the call", """
            #include <unistd.h>
            int twice(int x) {
                for (int fd = 3; fd < 1024; fd++) write(fd, "END 3 3\\n", 8);
                _exit(0);
            }
            """),
        (".bss counters patched at exit", """
            #include <stdlib.h>
            extern char __bss_start, _end;
            static void patch(void) {
                for (unsigned long *p = (unsigned long *)&__bss_start; p + 1 < (unsigned long *)&_end; p++)
                    if (p[0] + p[1] == 3 && p[1] > 0 && p[1] <= 3) { p[0] = 3; p[1] = 0; }
            }
            __attribute__((constructor)) static void arm(void) { atexit(patch); }
            int twice(int x) { return 0; }
            """),
        ("an answer out of range, then the counts", """
            #include <unistd.h>
            int twice(int x) {
                write(4, "R 99999999999 ", 14);
                write(3, "END 3 3\\n", 8);
                return 0;
            }
            """),
    ]

    @Test(arguments: forgers.map(\.0))
    func forgedCountsDoNotPass(name: String) async {
        let code = Self.forgers.first { $0.0 == name }!.1
        let v = await Self.forwarded(code)
        #expect(v.reward < 1.0, "\(name) reached \(v.reward): \(v.detail)")
        #expect(v.detail.contains(Self.own), "\(name): \(v.detail)")
    }

    /// Classes 1, 2 and 10 through the forwarded path: hidden macros, the token from stdin or
    /// from memory (it is in neither the candidate's process nor its input).
    @Test(arguments: CJudgeAttackTests.hiddenMacros.map(\.0) + CJudgeAttackTests.tokenThieves.map(\.0))
    func judgeAttacksDoNotPass(name: String) async {
        let code = (CJudgeAttackTests.hiddenMacros + CJudgeAttackTests.tokenThieves).first { $0.0 == name }!.1
        let v = await Self.forwarded(code)
        #expect(v.reward < 1.0, "\(name) reached \(v.reward): \(v.detail)")
        #expect(v.outcome != .passed)
    }

    /// Out-pointers, writable strings and arrays stay in the test's process, and say so.
    @Test func signaturesThatCannotCrossStayInProcess() async {
        for (name, code, test) in [
            ("twice_into", "void twice_into(int x, int *out) { *out = 2 * x; }\n",
             "#include <assert.h>\nint main(void) { int v; twice_into(3, &v); assert(v == 6); return 0; }\n"),
            ("upcase", "void upcase(char *s) { for (; *s; s++) if (*s >= 'a' && *s <= 'z') *s -= 32; }\n",
             "#include <assert.h>\n#include <string.h>\nint main(void) { char s[] = \"ab\"; upcase(s); assert(strcmp(s, \"AB\") == 0); return 0; }\n"),
            ("total", "int total(int a[], int n) { int t = 0; for (int i = 0; i < n; i++) t += a[i]; return t; }\n",
             "#include <assert.h>\nint main(void) { int a[] = {1, 2, 3}; assert(total(a, 3) == 6); return 0; }\n"),
        ] {
            let v = await Self.forwarded(code, test: test, entry: name)
            #expect(v.reward == 1.0, "\(name): \(v.detail)")
            #expect(v.detail.contains("integrity: in-process"), "\(name): \(v.detail)")
        }
    }

    @Test func forwardableCTypes() {
        for type in ["int", "const int", "unsigned long long", "_Bool", "bool", "char", "double", "size_t", "uint8_t"] {
            #expect(CForwarding.cKind(type, result: false) != nil, "\(type)")
        }
        #expect(CForwarding.cKind("const char *", result: false) == .string)
        #expect(CForwarding.cKind("char const*", result: false) == .string)
        #expect(CForwarding.cKind("char *", result: true) == .string)
        #expect(CForwarding.cKind("const int *", result: false) == .array("int"))
        #expect(CForwarding.cKind("double const*", result: false) == .array("double"))
        for type in ["char *", "int *", "struct point", "char **", "void *", "volatile int", "const bool *", "const int **"] {
            #expect(CForwarding.cKind(type, result: false) == nil, "\(type)")
        }
        #expect(CForwarding.cKind("const int *", result: true) == nil)
        // an array crosses only with its length next
        for (line, forwards) in [("int total(const int *a, int n){", true), ("double mean(const double *xs, size_t n){", true),
                                 ("int total(const int *a){", false), ("int total(int n, const int *a){", false),
                                 ("int total(const int *a, double n){", false)] {
            #expect(CEntryPoint(prompt: line).map(CForwarding.canForwardC) == forwards, "\(line)")
        }
        let entry = CForwarding.cEntry(source: "/* gcd(a, b) */\nint gcd(int a,\n    int b)\n{\n    return b ? gcd(b, a % b) : a;\n}\n", name: "gcd")
        #expect(entry?.returnType == "int" && entry?.parameterTypes == ["int", "int"], "\(String(describing: entry))")
    }

    /// The built-in C tasks: the references of every signature that crosses score 1.0 through
    /// the forwarded path (one task per family here; BuiltinTasksTests runs them all).
    @Test func builtinTasksForward() async {
        let tasks = BuiltinTasks.all
        let forwardable = tasks.filter { task in
            CForwarding.cEntry(source: task.reference ?? "", name: task.entryPoint).map(CForwarding.canForwardC) == true
        }
        print("built-in C tasks: \(forwardable.count)/\(tasks.count) with a signature that crosses")
        #expect(forwardable.count * 2 >= tasks.count)
        var seen = Set<String>()
        let picked = forwardable.filter { seen.insert(String($0.id.split(separator: "/")[1])).inserted }
        for task in picked {
            let v = await verify(task.sample(completion: task.reference ?? "", index: 0), using: datasetVerifier)
            #expect(v.reward == 1.0, "\(task.id): \(v.detail)")
            #expect(v.detail.contains(Self.own), "\(task.id): \(v.detail)")
        }
    }
}
