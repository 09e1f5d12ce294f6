import Foundation
import HaloForgeCore
import HaloForgeData
@testable import HaloForgeVerify
import Testing

/// Issue 11 class 9 for C++: with a prompt whose declaration crosses as plain data, the
/// candidate is a program of its own behind a stub, and the test program (asserts, counts,
/// record fd) holds none of its code. Real g++, the real judge, the real jail.
@Suite struct CForwardingTests {
    static let prompt = "#include<stdio.h>\n#include<vector>\nusing namespace std;\nint twice(int x){\n"
    static let test = "#undef NDEBUG\n#include<assert.h>\nint main(){\n    assert(twice(2) == 4);\n    assert(twice(0) == 0);\n    assert(twice(-3) == -6);\n}\n"

    static func sample(_ completion: String, prompt: String = prompt, test: String = test) -> Sample {
        Sample(id: "t", language: .cpp, candidate: .completion(completion, prompt: prompt), test: test)
    }

    @Test func honestAndWrongThroughTheStub() async {
        let honest = await verify(Self.sample("    return 2 * x;\n}\n"))
        #expect(honest.reward == 1.0, "\(honest.detail)")
        #expect(honest.detail.contains("integrity: candidate in its own process"), "\(honest.detail)")
        #expect(!honest.detail.contains("in-process"))
        let wrong = await verify(Self.sample("    return x + 2;\n}\n"))
        #expect(wrong.reward < 1.0 && wrong.testsPassed == 1, "\(wrong.detail)")
    }

    /// The samples of one prompt share a built test program: each still gets its own verdict,
    /// and each run unlinks its copy before the candidate starts.
    @Test func samplesOfOnePromptShareTheTestProgram() async {
        let prompt = "#include<vector>\nusing namespace std;\nint thrice(int x){\n"
        let test = "#include<assert.h>\nint main(){\n    assert(thrice(2) == 6);\n    assert(thrice(-1) == -3);\n}\n"
        for (completion, expected) in [("    return 3 * x;\n}\n", 1.0), ("    return x + 4;\n}\n", 0.5), ("    return x * 3;\n}\n", 1.0),
                                       ("    return 0;\n}\n#include <unistd.h>\n__attribute__((constructor)) static void f() { for (int fd = 3; fd < 64; fd++) write(fd, \"END 2 2\\n\", 8); }\n", 0.0)] {
            let v = await verify(Self.sample(completion, prompt: prompt, test: test))
            if expected == 1.0 { #expect(v.reward == 1.0, "\(completion): \(v.detail)") } else { #expect(v.reward < 1.0, "\(completion): \(v.detail)") }
            #expect(v.detail.contains("integrity: candidate in its own process"), "\(v.detail)")
            #expect(v.testsPassed == (expected == 1.0 ? 2 : expected == 0.5 ? 1 : 0), "\(completion): \(v.detail)")
        }
    }

    /// Class 9: forged `END n n` on the record fd, and the harness's `.bss` counters patched from
    /// an exit handler (it runs before the harness's destructor reports them).
    static let forgers: [(String, String)] = [
        ("END on every fd", """
                return 0;
            }
            #include <unistd.h>
            __attribute__((constructor)) static void forge() {
                for (int fd = 3; fd < 1024; fd++) write(fd, "END 3 3\\n", 8);
            }
            """),
        ("END then exit from the call", """
                for (int fd = 3; fd < 1024; fd++) write(fd, "END 3 3\\n", 8);
                _exit(0);
            }
            #include <unistd.h>
            """),
        (".bss counters patched at exit", """
                return 0;
            }
            #include <stdlib.h>
            extern char __bss_start, _end;
            static void patch() {
                /* the harness's ok/failed pair: two adjacent words that add up to the asserts run */
                for (unsigned long *p = (unsigned long *)&__bss_start; p + 1 < (unsigned long *)&_end; p++)
                    if (p[0] + p[1] == 3 && p[1] > 0 && p[1] <= 3) { p[0] = 3; p[1] = 0; }
            }
            __attribute__((constructor)) static void arm() { atexit(patch); }
            """),
    ]

    @Test(arguments: forgers.map(\.0))
    func forgedCountsDoNotPass(name: String) async {
        let completion = Self.forgers.first { $0.0 == name }!.1
        let forwarded = await verify(Self.sample(completion, prompt: "#include<unistd.h>\n#include<stdlib.h>\n" + Self.prompt))
        #expect(forwarded.reward < 1.0, "\(name) reached \(forwarded.reward): \(forwarded.detail)")
        #expect(!forwarded.detail.contains("in-process"), "\(forwarded.detail)")
    }

    /// The control that shows the attack is real: without a prompt (no declaration to forward)
    /// the same code shares the test's process, and the verdict says so.
    @Test func bssPatchIsNamedInProcess() async {
        let completion = Self.forgers.first { $0.0 == ".bss counters patched at exit" }!.1
        let inProcess = await verify(.cpp, "#include<unistd.h>\n#include<stdlib.h>\n" + Self.prompt + completion, test: Self.test)
        #expect(inProcess.detail.contains("integrity: in-process"), "\(inProcess.detail)")
    }

    /// The test program's file holds the tests: it is gone before the candidate starts, and the
    /// candidate's calls are all it sees.
    @Test func candidateFindsNoTestsOnDisk() async {
        let snoop = """
                static int found = -1;
                if (found < 0) {
                    found = 0;
                    DIR *d = opendir(".");
                    struct dirent *e;
                    static char buf[1 << 22];
                    char needle[] = "uxjdf).4*";  /* twice(-3), one letter up: not in this binary */
                    for (char &c : needle) if (c) c--;
                    while (d && (e = readdir(d))) {
                        FILE *f = fopen(e->d_name, "rb");
                        if (!f) continue;
                        size_t n = fread(buf, 1, sizeof buf, f);
                        fclose(f);
                        for (size_t i = 0; i + 9 < n; i++) if (!memcmp(buf + i, needle, 9)) found = 1;
                    }
                }
                return found ? 2 * x : 0;
            }
            """
        let v = await verify(Self.sample(snoop, prompt: "#include<dirent.h>\n#include<string.h>\n" + Self.prompt))
        #expect(v.reward < 1.0, "\(v.detail)")
    }

    @Test func candidateCrashOrHangIsAFailedCall() async {
        for body in ["    if (x < 0) __builtin_trap();\n    return 2 * x;\n}\n", "    while (x < 0) __asm__ volatile(\"\");\n    return 2 * x;\n}\n",
                     "    if (x < 0) throw 1;\n    return 2 * x;\n}\n"] {
            let v = await verify(Self.sample(body))
            #expect(v.reward < 1.0 && v.outcome != .passed, "\(body): \(v.detail)")
        }
    }

    /// Every supported type crosses exactly: hex floats, strings with spaces, newlines and NULs,
    /// nested containers, optionals, tuples.
    @Test func nestedValuesCrossExactly() async {
        let prompt = """
            #include<string>
            #include<vector>
            #include<map>
            #include<set>
            #include<tuple>
            #include<optional>
            using namespace std;
            map<string,vector<pair<int,double>>> echo(vector<string> words, const optional<long long>& k, tuple<bool,char,float> t, set<unsigned> s){

            """
        let completion = """
                map<string,vector<pair<int,double>>> out;
                for (auto &w : words) out[w].push_back({(int)w.size(), 0.1 * (double)w.size()});
                out["k"].push_back({k ? (int)(*k % 1000) : -1, get<2>(t)});
                out[string(1, get<1>(t))].push_back({get<0>(t) ? 1 : 0, (double)s.size()});
                return out;
            }
            """
        let test = """
            #include<assert.h>
            #include<string>
            int main(){
                string nul("a\\0b c\\n", 6);
                auto r = echo({nul, "", "xyz"}, 123456789012LL, {true, '\\n', 1.5f}, {1u, 4000000000u});
                assert(r.size() == 5);
                assert(r[nul][0].first == 6 && r[nul][0].second == 0.1 * 6);
                assert(r[""][0].first == 0 && r[""][0].second == 0.0);
                assert(r["xyz"][0].second == 0.1 * 3);
                assert(r["k"][0].first == 12 && r["k"][0].second == 1.5);
                assert(r["\\n"][0].first == 1 && r["\\n"][0].second == 2.0);
                auto n = echo({}, nullopt, {false, 'q', -0.0f}, {});
                assert(n["k"][0].first == -1 && n["q"][0].first == 0);
            }
            """
        let v = await verify(Self.sample(completion, prompt: prompt, test: test))
        #expect(v.reward == 1.0, "\(v.detail)")
        #expect(v.detail.contains("integrity: candidate in its own process"), "\(v.detail)")
    }

    @Test func signaturesThatCannotCrossStayInProcess() async {
        for (prompt, completion) in [
            ("#include<vector>\nusing namespace std;\nvoid fill_twice(vector<int>& v, int x){\n", "    v.push_back(2 * x);\n}\n"),
            ("#include<vector>\nusing namespace std;\nint twice_all(int* xs, int n){\n", "    for (int i = 0; i < n; i++) xs[i] *= 2;\n    return n;\n}\n"),
        ] {
            let test = "#include<assert.h>\nint main(){\n    vector<int> v;\n    int a[2] = {1, 2};\n"
                + (prompt.contains("fill") ? "    fill_twice(v, 3);\n    assert(v.size() == 1 && v[0] == 6);\n" : "    assert(twice_all(a, 2) == 2 && a[1] == 4);\n") + "}\n"
            let v = await verify(Self.sample(completion, prompt: prompt, test: test))
            #expect(v.reward == 1.0, "\(v.detail)")
            #expect(v.detail.contains("integrity: in-process"), "\(v.detail)")
        }
    }

    @Test func forwardableTypes() {
        let yes = ["vector<vector<int>> f(vector<vector<int>> g, int k){", "map<char,int> h(string test){",
                   "bool c(const vector<string>& a, std::map<string,string> d){", "void v(int x){", "long long m(vector<long long> nums){"]
        let no = ["int f(int* a, int n){", "void f(vector<int>& out){", "boost::any c(boost::any a){", "vector<int> f(list_any values){",
                  "int f(function<int(int)> g){", "Point f(Point p){", "const string& f(int x){"]
        for line in yes { #expect(CEntryPoint(prompt: line).map(CForwarding.canForward) == true, "\(line)") }
        for line in no { #expect(CEntryPoint(prompt: line).map(CForwarding.canForward) != true, "\(line)") }
    }
}

/// How much of HumanEval-X C++ the stub covers: the prompts' declarations that cross as data.
@Suite struct CForwardingCoverageTests {
    @Test func mostHumanEvalXCppSignaturesForward() throws {
        let (samples, _) = try Datasets.load(.humanevalXCpp, folder: Datasets.defaultFolder())
        let entries = samples.map { PythonVerifier.prompt(of: $0).flatMap(CEntryPoint.init(prompt:)) }
        let forwarded = entries.filter { $0.map(CForwarding.canForward) == true }.count
        print("HumanEval-X C++: \(forwarded)/\(samples.count) forwarded, \(entries.compactMap { $0 }.count) with a declaration")
        #expect(forwarded >= 150, "\(forwarded)/\(samples.count)")
    }
}
