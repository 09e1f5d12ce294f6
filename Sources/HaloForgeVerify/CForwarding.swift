internal import Foundation

/// C++ candidates as programs of their own: the test program calls a stub with the prompt's
/// declaration that sends the arguments down a pipe; the candidate's program (its code and a
/// generated main) answers with the result. Values cross as plain data in a text format both
/// sides read by type, strictly, so the test program holds no candidate code and the counts,
/// the asserts and the record fd live in a process the candidate never runs in.
///
/// Wire: tokens each followed by one space. Integers in decimal, floating point in C99 hex
/// (exact), bool 0/1, strings `<length> <bytes> `, sequences and maps `<count> ` then their
/// elements, pairs and tuples their elements, optionals 0 or 1 then the value. A call is `C`
/// and the arguments; an answer `R` and the value, or `X` when the candidate threw.
enum CForwarding {
    /// fds of the candidate's program: calls in, answers out.
    static let candidateFDs: (calls: Int32, answers: Int32) = (3, 4)
    /// fds of the test program: answers in, calls out (fd 3 is its record).
    static let testFDs: (answers: Int32, calls: Int32) = (4, 5)

    private static let scalars: Set<String> = [
        "bool", "char", "signed char", "unsigned char", "short", "unsigned short", "int", "unsigned", "unsigned int", "long",
        "unsigned long", "long long", "unsigned long long", "size_t", "float", "double", "long double", "int8_t", "int16_t",
        "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t", "string",
    ]
    private static let containers: [String: ClosedRange<Int>] = [
        "vector": 1...1, "set": 1...1, "optional": 1...1, "map": 2...2, "pair": 2...2, "tuple": 1...16,
    ]

    /// True when every parameter and the result can cross as plain data: a value or a const
    /// reference of the types above. Out-pointers, arrays, callbacks, mutable references and
    /// user types stay in the candidate's process (the verdict says so).
    static func canForward(_ entry: CEntryPoint) -> Bool {
        guard entry.returnsVoid || isPlain(entry.returnType, reference: false) else { return false }
        return entry.parameterTypes.allSatisfy { isPlain($0, reference: true) }
    }

    static func isPlain(_ written: String, reference: Bool) -> Bool {
        var type = written.trimmingCharacters(in: .whitespaces)
        if reference, type.hasSuffix("&"), !type.hasSuffix("&&") {
            type = String(type.dropLast()).trimmingCharacters(in: .whitespaces)
            guard type.hasPrefix("const ") || type.hasSuffix(" const") else { return false }
        }
        if reference {
            if type.hasPrefix("const ") { type = String(type.dropFirst(6)) }
            if type.hasSuffix(" const") { type = String(type.dropLast(6)) }
        }
        return isValueType(type.trimmingCharacters(in: .whitespaces))
    }

    private static func isValueType(_ raw: String) -> Bool {
        var type = raw.trimmingCharacters(in: .whitespaces)
        if type.hasPrefix("std::") { type = String(type.dropFirst(5)) }
        let compact = type.split(separator: " ").joined(separator: " ")
        if scalars.contains(compact) { return true }
        guard type.hasSuffix(">"), let open = type.firstIndex(of: "<") else { return false }
        let name = type[..<open].trimmingCharacters(in: .whitespaces)
        guard let arity = containers[name] else { return false }
        let inner = String(type[type.index(after: open)..<type.index(before: type.endIndex)])
        let parts = splitTopLevel(inner)
        return arity.contains(parts.count) && parts.allSatisfy(isValueType)
    }

    private static func splitTopLevel(_ s: String) -> [String] {
        var parts: [String] = []
        var depth = 0
        var current = ""
        for c in s {
            if c == "<" { depth += 1 }
            if c == ">" { depth -= 1 }
            if depth < 0 { return [] }
            if c == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        return parts.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The symbol the answering main calls: the candidate's function under the declared
    /// signature. Fixed, so one answering object serves every sample of a signature.
    static let answerSymbol = "hf_forwarded_entry"

    /// The declaration with the fixed symbol: what the candidate's translation unit defines.
    static func answerDeclaration(_ entry: CEntryPoint) -> String {
        let parameters = zip(entry.parameterTypes, entry.arguments).map { "\($0) \($1)" }.joined(separator: ", ")
        return "\(entry.returnType) \(answerSymbol)(\(parameters))"
    }

    /// The candidate's translation unit: its code, then the declared signature under the fixed
    /// symbol calling it. Only this is compiled with the sample's flags and warnings; the
    /// answering main (`answerProgram`) is linked in as a prebuilt object.
    /// `header`: a precompiled header holding exactly the candidate's leading includes, which
    /// `leading` blanked out of its code (same headers, same order: same meaning).
    static func candidateProgram(candidate: String, entry: CEntryPoint, names n: String, header: String? = nil) -> String {
        var text = header ?? ""
        text += "#define main hf_\(n)_candidate_main\n#define \(entry.name) \(entry.candidateName(n))\n"
        text += "#line 1 \"solution\"\n" + candidate
        if !candidate.hasSuffix("\n") { text += "\n" }
        text += "#undef main\n"
        for name in CHarness.definedMacros(candidate) { text += "#undef \(name)\n" }
        text += "#undef \(entry.name)\n"
        let call = "\(entry.candidateName(n))(\(entry.arguments.joined(separator: ", ")))"
        return text + "\(answerDeclaration(entry)) { \(entry.returnsVoid ? "" : "return ")\(call); }\n"
    }

    /// The answering main: reads calls, calls the candidate's function through the fixed
    /// symbol, writes answers. It depends only on the signature's types, so it is built once
    /// per signature (at -O0, with the forwarding header precompiled) and linked to each sample.
    static func answerProgram(entry: CEntryPoint, header: String? = nil) -> String {
        let ns = "hf_fwd_rpc"
        var text = "#line 1 \"forwarding\"\n" + serializer("fwd", includes: includes("fwd", for: nil, header: header))
        text += "using namespace std;\n\(answerDeclaration(entry));\n"
        var body = "    static \(ns)::In in{\(candidateFDs.calls)};\n"
        body += "    for (;;) {\n        std::string tag;\n        if (!in.tok(tag)) return 0;\n        if (tag != \"C\") return 3;\n"
        for (i, type) in entry.parameterTypes.enumerated() {
            body += "        std::remove_cv_t<std::remove_reference_t<\(type)>> a\(i){};\n"
            body += "        if (!rd(in, a\(i))) return 3;\n"
        }
        let call = "\(answerSymbol)(\((0..<entry.parameterTypes.count).map { "a\($0)" }.joined(separator: ", ")))"
        body += "        \(ns)::Out out{\(candidateFDs.answers), {}};\n        try {\n"
        body += entry.returnsVoid
            ? "            \(call);\n            out.tok(\"R\");\n"
            : "            const auto &result = \(call);\n            out.tok(\"R\");\n            wr(out, result);\n"
        body += "        } catch (...) {\n            out.buf.clear();\n            out.tok(\"X\");\n        }\n"
        body += "        if (!out.flush()) return 3;\n    }\n"
        return text + "int main() {\n" + body + "}\n"
    }

    /// The standard a forwarded C++ test program is built with: C++17 in place of a later one
    /// (fewer library members emitted), else the sample's own.
    static func testStandard(_ configured: String) -> String {
        let later = ["20", "2a", "23", "2b", "26", "2c"].flatMap { ["c++" + $0, "gnu++" + $0] }
        return "-std=" + (later.contains(configured) ? "gnu++17" : configured)
    }

    /// What decides the answering object besides compiler and flags: the signature's types.
    static func signatureKey(_ entry: CEntryPoint) -> String {
        ([entry.returnType] + entry.parameterTypes).map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            .joined(separator: "\u{1}")
    }

    /// The test program: no candidate code, the judged harness, the tests' asserts counted.
    /// `header`: `#include <hf_forward.h>` where its precompiled form may be found.
    static func testProgram(entry: CEntryPoint, test: String, evidence: Evidence, header: String? = nil) -> (source: String, asserts: Int) {
        let n = evidence.names
        var text = testPrefix(entry: entry, names: n, header: header) + "#undef assert\n" + CHarness.prelude(evidence: evidence, judged: true)
        let cleanedTest = test.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            CHarness.isAssertInclude(line) ? "" : line
        }.joined(separator: "\n")
        text += CPlainCompare.functions(n)
        text += "#line 1 \"test\"\n" + CPlainCompare.rewrite(cleanedTest, names: n) + "\n"
        return (text, CHarness.countAsserts(in: test))
    }

    /// The test program's half before the harness: the serializer, the prompt's includes and
    /// helpers (from the dataset), and the stub with the prompt's declaration.
    static func testPrefix(entry: CEntryPoint, names n: String, header: String?) -> String {
        let ns = "hf_\(n)_rpc"
        var text = "#line 1 \"forwarding\"\n" + serializer(n, includes: includes(n, for: nil, header: header))
        text += """
            namespace \(ns) {
            static In answers{\(testFDs.answers)};
            /* The candidate's program is gone or spoke out of turn: a failed call, and no END. */
            [[noreturn]] static void lost() {
                static const char line[] = "A 0 the candidate's program ended or answered out of protocol\\n";
                sys(SYS_write, 3, (long)line, sizeof line - 1);
                for (;;) sys(SYS_exit_group, 1, 0, 0);
            }
            struct candidate_threw : std::exception {
                const char *what() const noexcept override { return "the candidate's function threw"; }
            };
            /* Before any test code: not dumpable (the candidate, same uid, can neither ptrace this
               process nor open its memory or fds), then the byte that lets the candidate start. */
            __attribute__((constructor(101))) static void start() {
                sys(SYS_prctl, 4, 0, 0);
                if (sys(SYS_prctl, 3, 0, 0) != 0) lost();
                static const char go = 'G';
                if (sys(SYS_write, \(testFDs.calls), (long)&go, 1) != 1) lost();
            }
            }

            """
        text += "#line 1 \"prompt\"\n" + entry.prefix
        var stub = "\(entry.declaration) {\n    \(ns)::Out out{\(testFDs.calls), {}};\n    out.tok(\"C\");\n"
        for argument in entry.arguments { stub += "    wr(out, \(argument));\n" }
        stub += "    if (!out.flush()) \(ns)::lost();\n    std::string tag;\n    if (!\(ns)::answers.tok(tag)) \(ns)::lost();\n"
        stub += "    if (tag == \"X\") throw \(ns)::candidate_threw();\n    if (tag != \"R\") \(ns)::lost();\n"
        if !entry.returnsVoid {
            stub += "    std::remove_cv_t<\(entry.returnType)> result{};\n    if (!rd(\(ns)::answers, result)) \(ns)::lost();\n    return result;\n"
        }
        stub += "}\n"
        return text + "#line 1 \"stub\"\n" + stub
    }

    /// Every standard header the serializer may need (the forwarded test program's
    /// precompiled header, `PrecompiledHeaders.forwarding`).
    static let standardHeaders = ["string", "vector", "map", "set", "tuple", "utility", "optional", "exception", "limits", "type_traits",
        "cstdio", "cstdlib", "cerrno", "sys/syscall.h", "algorithm", "cmath", "math.h", "stdio.h", "stdlib.h", "string.h"]
        .map { "#include <\($0)>\n" }.joined()
    private static let containerHeaders = ["VECTOR": "vector", "SET": "set", "MAP": "map", "TUPLE": "tuple", "OPTIONAL": "optional"]

    /// The headers and container overloads a signature needs (every header is most of a small
    /// compile). nil: all of them, after `header` (a precompiled header that holds them).
    static func includes(_ n: String, for entry: CEntryPoint?, header: String? = nil) -> String {
        let types = entry.map { ([$0.returnType] + $0.parameterTypes).joined(separator: " ") } ?? ""
        var text = header ?? ""
        if entry != nil || header == nil {
            text += ["string", "utility", "exception", "limits", "type_traits", "cstdio", "cstdlib", "cerrno", "sys/syscall.h"]
                .map { "#include <\($0)>\n" }.joined()
        }
        for (macro, name) in containerHeaders.sorted(by: { $0.key < $1.key }) {
            let needed = entry == nil || types.contains(name + "<") || types.contains(name + " <")
            if needed, entry != nil || header == nil { text += "#include <\(name)>\n" }
            text += "#define HF_\(n)_\(macro) \(needed ? 1 : 0)\n"
        }
        return text
    }

    /// The generic (de)serializer: overloads and templates in a namespace of the run's names,
    /// raw system calls only (no libc I/O state the candidate's code could have touched).
    static func serializer(_ n: String, includes: String) -> String {
        includes + """
        namespace hf_\(n)_rpc {
        \(CHarness.rawSyscall("static inline long sys"))
        struct Out {
            int fd;
            std::string buf;
            void tok(const char *s) { buf += s; buf += ' '; }
            bool flush() {
                const char *p = buf.data();
                unsigned long left = buf.size();
                while (left > 0) {
                    long r = sys(SYS_write, fd, (long)p, (long)left);
                    if (r == -EINTR) continue;
                    if (r <= 0) return false;
                    p += r;
                    left -= (unsigned long)r;
                }
                buf.clear();
                return true;
            }
        };
        struct In {
            int fd;
            char buf[1 << 16];
            long pos = 0, len = 0;
            explicit In(int f) : fd(f) {}
            int next() {
                if (pos == len) {
                    long r;
                    do r = sys(SYS_read, fd, (long)buf, sizeof buf); while (r == -EINTR);
                    if (r <= 0) return -1;
                    pos = 0;
                    len = r;
                }
                return (unsigned char)buf[pos++];
            }
            /* One token of 1 to 80 bytes and its space; anything else fails. */
            bool tok(std::string &t) {
                t.clear();
                for (;;) {
                    int c = next();
                    if (c < 0 || (c == ' ' && t.empty()) || t.size() > 80) return false;
                    if (c == ' ') return true;
                    t += (char)c;
                }
            }
            bool count(unsigned long &n, unsigned long most) {
                std::string t;
                if (!tok(t) || t.size() > 12) return false;
                n = 0;
                for (char c : t) {
                    if (c < '0' || c > '9') return false;
                    n = n * 10 + (unsigned long)(c - '0');
                }
                return n <= most && (t.size() == 1 || t[0] != '0');
            }
        };
        inline void wr(Out &o, bool v) { o.tok(v ? "1" : "0"); }
        template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
        void wr(Out &o, T v) {
            char b[32];
            if constexpr (std::is_signed_v<T>) snprintf(b, sizeof b, "%lld", (long long)v);
            else snprintf(b, sizeof b, "%llu", (unsigned long long)v);
            o.tok(b);
        }
        template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
        void wr(Out &o, T v) {
            char b[64];
            snprintf(b, sizeof b, "%La", (long double)v);
            o.tok(b);
        }
        inline void wr(Out &o, const std::string &s) {
            o.tok(std::to_string(s.size()).c_str());
            o.buf += s;
            o.buf += ' ';
        }
        #if HF_\(n)_VECTOR
        template <class T, class A> void wr(Out &o, const std::vector<T, A> &v);
        #endif
        #if HF_\(n)_SET
        template <class T, class C, class A> void wr(Out &o, const std::set<T, C, A> &v);
        #endif
        #if HF_\(n)_MAP
        template <class K, class V, class C, class A> void wr(Out &o, const std::map<K, V, C, A> &v);
        #endif
        template <class A, class B> void wr(Out &o, const std::pair<A, B> &v);
        #if HF_\(n)_TUPLE
        template <class... T> void wr(Out &o, const std::tuple<T...> &v);
        #endif
        #if HF_\(n)_OPTIONAL
        template <class T> void wr(Out &o, const std::optional<T> &v);
        #endif
        #if HF_\(n)_VECTOR
        template <class T, class A> void wr(Out &o, const std::vector<T, A> &v) {
            o.tok(std::to_string(v.size()).c_str());
            for (auto it = v.begin(); it != v.end(); ++it) {
                const T &x = *it;
                wr(o, x);
            }
        }
        #endif
        #if HF_\(n)_SET
        template <class T, class C, class A> void wr(Out &o, const std::set<T, C, A> &v) {
            o.tok(std::to_string(v.size()).c_str());
            for (const T &x : v) wr(o, x);
        }
        #endif
        #if HF_\(n)_MAP
        template <class K, class V, class C, class A> void wr(Out &o, const std::map<K, V, C, A> &v) {
            o.tok(std::to_string(v.size()).c_str());
            for (const auto &x : v) { wr(o, x.first); wr(o, x.second); }
        }
        #endif
        template <class A, class B> void wr(Out &o, const std::pair<A, B> &v) { wr(o, v.first); wr(o, v.second); }
        #if HF_\(n)_TUPLE
        template <class... T> void wr(Out &o, const std::tuple<T...> &v) {
            std::apply([&o](const auto &...x) { (wr(o, x), ...); }, v);
        }
        #endif
        #if HF_\(n)_OPTIONAL
        template <class T> void wr(Out &o, const std::optional<T> &v) {
            o.tok(v ? "1" : "0");
            if (v) wr(o, *v);
        }
        #endif

        inline bool rd(In &in, bool &v) {
            std::string t;
            if (!in.tok(t) || (t != "0" && t != "1")) return false;
            v = t == "1";
            return true;
        }
        template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
        bool rd(In &in, T &v) {
            std::string t;
            if (!in.tok(t)) return false;
            unsigned long i = t[0] == '-' ? 1 : 0;
            if (i == t.size()) return false;
            for (unsigned long k = i; k < t.size(); k++) if (t[k] < '0' || t[k] > '9') return false;
            char *end = nullptr;
            errno = 0;
            if constexpr (std::is_signed_v<T>) {
                long long x = strtoll(t.c_str(), &end, 10);
                if (errno != 0 || *end != 0) return false;
                if constexpr (sizeof(T) < sizeof(long long)) {
                    if (x < (long long)std::numeric_limits<T>::min() || x > (long long)std::numeric_limits<T>::max()) return false;
                }
                v = (T)x;
            } else {
                if (i == 1) return false;
                unsigned long long x = strtoull(t.c_str(), &end, 10);
                if (errno != 0 || *end != 0) return false;
                if constexpr (sizeof(T) < sizeof(unsigned long long)) {
                    if (x > (unsigned long long)std::numeric_limits<T>::max()) return false;
                }
                v = (T)x;
            }
            return true;
        }
        template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
        bool rd(In &in, T &v) {
            std::string t;
            if (!in.tok(t)) return false;
            for (char c : t) {
                bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x' || c == 'p' || c == '-' || c == '+'
                    || c == '.' || c == 'i' || c == 'n';
                if (!ok) return false;
            }
            char *end = nullptr;
            long double x = strtold(t.c_str(), &end);
            if (end == t.c_str() || *end != 0) return false;
            v = (T)x;
            return true;
        }
        inline bool rd(In &in, std::string &s) {
            unsigned long n;
            if (!in.count(n, 1ul << 28)) return false;
            s.clear();
            s.reserve(n < 4096 ? n : 4096);
            for (unsigned long k = 0; k < n; k++) {
                int c = in.next();
                if (c < 0) return false;
                s += (char)c;
            }
            return in.next() == ' ';
        }
        #if HF_\(n)_VECTOR
        template <class T, class A> bool rd(In &in, std::vector<T, A> &v);
        #endif
        #if HF_\(n)_SET
        template <class T, class C, class A> bool rd(In &in, std::set<T, C, A> &v);
        #endif
        #if HF_\(n)_MAP
        template <class K, class V, class C, class A> bool rd(In &in, std::map<K, V, C, A> &v);
        #endif
        template <class A, class B> bool rd(In &in, std::pair<A, B> &v);
        #if HF_\(n)_TUPLE
        template <class... T> bool rd(In &in, std::tuple<T...> &v);
        #endif
        #if HF_\(n)_OPTIONAL
        template <class T> bool rd(In &in, std::optional<T> &v);
        #endif
        #if HF_\(n)_VECTOR
        template <class T, class A> bool rd(In &in, std::vector<T, A> &v) {
            unsigned long n;
            if (!in.count(n, 1ul << 26)) return false;
            v.clear();
            for (unsigned long k = 0; k < n; k++) {
                T x{};
                if (!rd(in, x)) return false;
                v.push_back(std::move(x));
            }
            return true;
        }
        #endif
        #if HF_\(n)_SET
        template <class T, class C, class A> bool rd(In &in, std::set<T, C, A> &v) {
            unsigned long n;
            if (!in.count(n, 1ul << 26)) return false;
            v.clear();
            for (unsigned long k = 0; k < n; k++) {
                T x{};
                if (!rd(in, x)) return false;
                v.insert(std::move(x));
            }
            return v.size() == n;
        }
        #endif
        #if HF_\(n)_MAP
        template <class K, class V, class C, class A> bool rd(In &in, std::map<K, V, C, A> &v) {
            unsigned long n;
            if (!in.count(n, 1ul << 26)) return false;
            v.clear();
            for (unsigned long k = 0; k < n; k++) {
                K key{};
                V value{};
                if (!rd(in, key) || !rd(in, value)) return false;
                v.emplace(std::move(key), std::move(value));
            }
            return v.size() == n;
        }
        #endif
        template <class A, class B> bool rd(In &in, std::pair<A, B> &v) { return rd(in, v.first) && rd(in, v.second); }
        #if HF_\(n)_TUPLE
        template <class... T> bool rd(In &in, std::tuple<T...> &v) {
            return std::apply([&in](auto &...x) { return (rd(in, x) && ...); }, v);
        }
        #endif
        #if HF_\(n)_OPTIONAL
        template <class T> bool rd(In &in, std::optional<T> &v) {
            bool present;
            if (!rd(in, present)) return false;
            if (!present) { v.reset(); return true; }
            T x{};
            if (!rd(in, x)) return false;
            v = std::move(x);
            return true;
        }
        #endif
        /* A C string: 0 for NULL, else 1 and the bytes up to its NUL. */
        struct CStr {
            bool present = false;
            std::string s;
            const char *get() const { return present ? s.c_str() : nullptr; }
            static CStr of(const char *p) {
                CStr c;
                if (p) { c.present = true; c.s = p; }
                return c;
            }
        };
        inline void wr(Out &o, const CStr &c) {
            o.tok(c.present ? "1" : "0");
            if (c.present) wr(o, c.s);
        }
        inline bool rd(In &in, CStr &c) {
            if (!rd(in, c.present)) return false;
            c.s.clear();
            return !c.present || rd(in, c.s);
        }
        #if HF_\(n)_VECTOR
        /* A C array and its count: 0 for NULL, else 1, the count and the elements. */
        template <class T> struct CArr {
            bool present = false;
            std::vector<T> v;
            T none{};
            const T *get() const { return !present ? nullptr : v.empty() ? &none : v.data(); }
        };
        template <class T> bool rd(In &in, CArr<T> &a) {
            if (!rd(in, a.present)) return false;
            return !a.present || rd(in, a.v);
        }
        #endif
        }

        """
    }
}

// MARK: - C

/// C candidates behind the same protocol: the candidate's code is compiled as C and linked to
/// the C++ answering main (`extern "C"`); the test program is C, so the dataset's tests keep
/// C semantics. Plain data only: arithmetic types, `bool`/`_Bool`, NUL-terminated strings
/// (`const char *` in; `const char *` or `char *` out, read up to the NUL; NULL crosses as NULL),
/// and a `const T *` array followed by its integer length (the candidate gets a copy).
extension CForwarding {
    enum CKind: Equatable {
        /// An arithmetic type, with its C++ spelling (`_Bool` is `bool`).
        case scalar(String)
        case string
        /// `const T *` of an arithmetic T (not char, not bool), its length the next parameter.
        case array(String)
    }

    private static let cScalars: Set<String> = [
        "char", "signed char", "unsigned char", "short", "short int", "signed short", "unsigned short", "unsigned short int", "int",
        "signed", "signed int", "unsigned", "unsigned int", "long", "long int", "signed long", "unsigned long", "unsigned long int",
        "long long", "long long int", "signed long long", "unsigned long long", "unsigned long long int", "size_t", "float", "double",
        "long double", "bool", "_Bool", "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t",
    ]

    /// How a C parameter or result type crosses, or nil when it cannot (pointers other than
    /// strings, arrays, structs, a `char *` parameter the candidate could write through).
    static func cKind(_ written: String, result: Bool) -> CKind? {
        let spaced = written.replacingOccurrences(of: "*", with: " * ")
        var words = spaced.split(whereSeparator: \.isWhitespace).map(String.init)
        if words.filter({ $0 == "*" }).count == 1, words.last == "*" {
            words.removeLast()
            let constant = words.contains("const")
            words.removeAll { $0 == "const" }
            if words == ["char"], constant || result { return .string }
            let element = words.joined(separator: " ")
            guard !result, constant, !words.contains("volatile"), !["char", "bool", "_Bool"].contains(element), cScalars.contains(element)
            else { return nil }
            return .array(element)
        }
        guard !words.contains("*"), !words.contains("volatile") else { return nil }
        words.removeAll { $0 == "const" }
        let type = words.joined(separator: " ")
        guard cScalars.contains(type) else { return nil }
        return .scalar(type == "_Bool" ? "bool" : type)
    }

    static func canForwardC(_ entry: CEntryPoint) -> Bool {
        guard entry.returnsVoid || cKind(entry.returnType, result: true).map({ if case .array = $0 { false } else { true } }) == true
        else { return false }
        let kinds = entry.parameterTypes.map { cKind($0, result: false) }
        for (i, kind) in kinds.enumerated() {
            guard let kind else { return false }
            // An array needs its length next: an integer parameter.
            if case .array = kind {
                guard i + 1 < kinds.count, case .scalar(let length)? = kinds[i + 1], isInteger(length) else { return false }
            }
        }
        return true
    }

    static func isInteger(_ spelled: String) -> Bool {
        !["float", "double", "long double", "bool"].contains(spelled)
    }

    /// The signature of the function `name` as the candidate defines it (`int gcd(int a, int b) {`),
    /// for tasks whose prompt is prose: in-process the tests call exactly that definition.
    static func cEntry(source: String, name: String?) -> CEntryPoint? {
        guard let name, !name.isEmpty else { return nil }
        var rest = source[...]
        while let found = rest.range(of: name) {
            defer { rest = source[found.upperBound...] }
            let before = found.lowerBound == source.startIndex ? nil : source[source.index(before: found.lowerBound)]
            if let before, before.isLetter || before.isNumber || before == "_" { continue }
            let lineStart = source[..<found.lowerBound].lastIndex(of: "\n").map { source.index(after: $0) } ?? source.startIndex
            let afterName = source[found.upperBound...].drop { $0 == " " || $0 == "\t" }
            guard afterName.first == "(", let close = afterName.firstIndex(of: ")") else { continue }
            let parameters = afterName[afterName.index(after: afterName.startIndex)..<close]
            guard !parameters.contains("("), source[source.index(after: close)...].drop(while: \.isWhitespace).first == "{" else { continue }
            let head = source[lineStart..<found.lowerBound]
            let flat = parameters.split(whereSeparator: \.isNewline).joined(separator: " ")
            let line = String(head) + name + "(" + flat + ") {"
            if let entry = CEntryPoint(prompt: line), entry.name == name { return entry }
        }
        return nil
    }

    /// The answering main for a C function: `extern "C"` declaration, C strings as `CStr`.
    static func answerProgramC(entry: CEntryPoint, header: String? = nil) -> String {
        let ns = "hf_fwd_rpc"
        let kinds = entry.parameterTypes.map { cKind($0, result: false)! }
        let result = entry.returnsVoid ? nil : cKind(entry.returnType, result: true)
        func spelled(_ kind: CKind) -> String {
            switch kind {
            case .scalar(let type): type
            case .string: "const char *"
            case .array(let type): "const \(type) *"
            }
        }
        var text = "#line 1 \"forwarding\"\n" + serializer("fwd", includes: includes("fwd", for: nil, header: header))
        let parameters = kinds.enumerated().map { "\(spelled($1)) a\($0)" }.joined(separator: ", ")
        text += "extern \"C\" \(result.map(spelled) ?? "void") \(answerSymbol)(\(parameters));\n"
        var body = "    static \(ns)::In in{\(candidateFDs.calls)};\n"
        body += "    for (;;) {\n        std::string tag;\n        if (!in.tok(tag)) return 0;\n        if (tag != \"C\") return 3;\n"
        var arguments: [String] = []
        for (i, kind) in kinds.enumerated() {
            switch kind {
            case .scalar(let type): body += "        \(type) a\(i){};\n"
                arguments.append("a\(i)")
            case .string: body += "        \(ns)::CStr a\(i);\n"
                arguments.append("a\(i).get()")
            case .array(let type): body += "        \(ns)::CArr<\(type)> a\(i);\n"
                arguments.append("a\(i).get()")
            }
            body += "        if (!rd(in, a\(i))) return 3;\n"
        }
        let call = "\(answerSymbol)(\(arguments.joined(separator: ", ")))"
        body += "        \(ns)::Out out{\(candidateFDs.answers), {}};\n"
        switch result {
        case nil: body += "        \(call);\n        out.tok(\"R\");\n"
        case .scalar(let type)?: body += "        const \(type) result = \(call);\n        out.tok(\"R\");\n        wr(out, result);\n"
        case .string?: body += "        const char *result = \(call);\n        out.tok(\"R\");\n        wr(out, \(ns)::CStr::of(result));\n"
        case .array?: return ""  // canForwardC refuses an array result
        }
        body += "        if (!out.flush()) return 3;\n    }\n"
        return text + "int main() {\n" + body + "}\n"
    }

    /// The C test program: a C serializer, the prompt's helpers, a stub with the declaration,
    /// the harness and the tests, compiled as C.
    static func testProgramC(entry: CEntryPoint, test: String, evidence: Evidence) -> (source: String, asserts: Int) {
        let n = evidence.names
        let p = "hf_\(n)_"
        var text = "#line 1 \"forwarding\"\n"
        text += ["stddef.h", "stdbool.h", "stdint.h", "stdlib.h", "string.h", "stdio.h", "errno.h", "sys/syscall.h"]
            .map { "#include <\($0)>\n" }.joined()
        text += CHarness.rawSyscall("static long \(p)fsys") + "\n"
        text += """
            /* The candidate's program is gone or spoke out of turn: a failed call, and no END. */
            static void \(p)lost(void) {
                static const char line[] = "A 0 the candidate's program ended or answered out of protocol\\n";
                \(p)fsys(SYS_write, 3, (long)line, sizeof line - 1);
                for (;;) \(p)fsys(SYS_exit_group, 1, 0, 0);
            }
            /* Before any test code: not dumpable, then the byte that lets the candidate start. */
            __attribute__((constructor(101))) static void \(p)start(void) {
                \(p)fsys(SYS_prctl, 4, 0, 0);
                if (\(p)fsys(SYS_prctl, 3, 0, 0) != 0) \(p)lost();
                static const char go = 'G';
                if (\(p)fsys(SYS_write, \(testFDs.calls), (long)&go, 1) != 1) \(p)lost();
            }
            static char *\(p)obuf;
            static size_t \(p)olen, \(p)ocap;
            static void \(p)put_bytes(const char *s, size_t len) {
                if (\(p)olen + len + 1 > \(p)ocap) {
                    size_t cap = (\(p)olen + len + 1) * 2;
                    char *grown = (char *)realloc(\(p)obuf, cap);
                    if (!grown) \(p)lost();
                    \(p)obuf = grown;
                    \(p)ocap = cap;
                }
                memcpy(\(p)obuf + \(p)olen, s, len);
                \(p)olen += len;
            }
            static void \(p)tok(const char *s) { \(p)put_bytes(s, strlen(s)); \(p)put_bytes(" ", 1); }
            static void \(p)wr_i(long long v) { char b[32]; snprintf(b, sizeof b, "%lld", v); \(p)tok(b); }
            static void \(p)wr_u(unsigned long long v) { char b[32]; snprintf(b, sizeof b, "%llu", v); \(p)tok(b); }
            static void \(p)wr_f(long double v) { char b[64]; snprintf(b, sizeof b, "%La", v); \(p)tok(b); }
            static void \(p)wr_s(const char *s) {
                if (!s) { \(p)tok("0"); return; }
                \(p)tok("1");
                size_t len = strlen(s);
                char b[32];
                snprintf(b, sizeof b, "%zu", len);
                \(p)tok(b);
                \(p)put_bytes(s, len);
                \(p)put_bytes(" ", 1);
            }
            static void \(p)flush(void) {
                const char *q = \(p)obuf;
                size_t left = \(p)olen;
                while (left > 0) {
                    long r = \(p)fsys(SYS_write, \(testFDs.calls), (long)q, (long)left);
                    if (r == -EINTR) continue;
                    if (r <= 0) \(p)lost();
                    q += r;
                    left -= (size_t)r;
                }
                \(p)olen = 0;
            }
            static char \(p)ibuf[1 << 16];
            static long \(p)ipos, \(p)ilen;
            static int \(p)next(void) {
                if (\(p)ipos == \(p)ilen) {
                    long r;
                    do r = \(p)fsys(SYS_read, \(testFDs.answers), (long)\(p)ibuf, sizeof \(p)ibuf); while (r == -EINTR);
                    if (r <= 0) return -1;
                    \(p)ipos = 0;
                    \(p)ilen = r;
                }
                return (unsigned char)\(p)ibuf[\(p)ipos++];
            }
            /* One token of 1 to 80 bytes and its space; anything else ends the sample. */
            static void \(p)rtok(char t[82]) {
                int len = 0;
                for (;;) {
                    int c = \(p)next();
                    if (c < 0 || (c == ' ' && len == 0) || len > 80) \(p)lost();
                    if (c == ' ') break;
                    t[len++] = (char)c;
                }
                t[len] = 0;
            }
            /* An integer: *negative says which of *s (signed) or *u holds it. */
            static void \(p)rd_int(long long *s, unsigned long long *u, int *negative) {
                char t[82];
                \(p)rtok(t);
                int i = t[0] == '-';
                if (!t[i]) \(p)lost();
                for (int k = i; t[k]; k++) if (t[k] < '0' || t[k] > '9') \(p)lost();
                char *end;
                errno = 0;
                if (i) *s = strtoll(t, &end, 10); else *u = strtoull(t, &end, 10);
                if (errno != 0 || *end != 0) \(p)lost();
                *negative = i;
            }
            static long double \(p)rd_f(void) {
                char t[82];
                \(p)rtok(t);
                for (int k = 0; t[k]; k++) {
                    char c = t[k];
                    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x' || c == 'p' || c == '-' || c == '+' || c == '.' || c == 'i' || c == 'n'))
                        \(p)lost();
                }
                char *end;
                long double v = strtold(t, &end);
                if (end == t || *end != 0) \(p)lost();
                return v;
            }
            static bool \(p)rd_b(void) {
                char t[82];
                \(p)rtok(t);
                if (strcmp(t, "0") && strcmp(t, "1")) \(p)lost();
                return t[0] == '1';
            }
            /* A string the test may keep or free(): its own heap copy; NULL crosses as NULL. */
            static char *\(p)rd_s(void) {
                if (!\(p)rd_b()) return NULL;
                long long s;
                unsigned long long len;
                int negative;
                \(p)rd_int(&s, &len, &negative);
                if (negative || len > (1ull << 28)) \(p)lost();
                char *v = (char *)malloc(len + 1);
                if (!v) \(p)lost();
                for (unsigned long long k = 0; k < len; k++) {
                    int c = \(p)next();
                    if (c < 0) \(p)lost();
                    v[k] = (char)c;
                }
                v[len] = 0;
                if (\(p)next() != ' ') \(p)lost();
                return v;
            }

            """
        text += "#line 1 \"prompt\"\n" + entry.prefix
        var stub = "\(entry.declaration) {\n    \(p)tok(\"C\");\n"
        func write(_ spelled: String, _ value: String) -> String {
            if spelled == "bool" { return "\(p)tok(\(value) ? \"1\" : \"0\");" }
            if !isInteger(spelled) { return "\(p)wr_f((long double)(\(value)));" }
            // char's sign is the platform's: the value decides which way it is written
            return "if ((\(value)) < 0) \(p)wr_i((long long)(\(value))); else \(p)wr_u((unsigned long long)(\(value)));"
        }
        for (i, (type, argument)) in zip(entry.parameterTypes, entry.arguments).enumerated() {
            switch cKind(type, result: false)! {
            case .string: stub += "    \(p)wr_s(\(argument));\n"
            case .scalar(let spelled): stub += "    " + write(spelled, argument) + "\n"
            case .array(let element):
                // the elements the length names (none when it is negative), or NULL as NULL
                let length = entry.arguments[i + 1]
                stub += "    if (!\(argument)) \(p)tok(\"0\"); else {\n        \(p)tok(\"1\");\n"
                stub += "        unsigned long long \(p)n\(i) = (\(length)) > 0 ? (unsigned long long)(\(length)) : 0;\n"
                stub += "        \(p)wr_u(\(p)n\(i));\n"
                stub += "        for (unsigned long long \(p)k = 0; \(p)k < \(p)n\(i); \(p)k++) { \(write(element, "\(argument)[\(p)k]")) }\n    }\n"
            }
        }
        stub += "    \(p)flush();\n    char \(p)tag[82];\n    \(p)rtok(\(p)tag);\n    if (strcmp(\(p)tag, \"R\")) \(p)lost();\n"
        switch entry.returnsVoid ? nil : cKind(entry.returnType, result: true) {
        case nil: break
        case .string?: stub += "    return \(p)rd_s();\n"
        case .array?: break
        case .scalar(let spelled)?:
            let type = entry.returnType
            if spelled == "bool" {
                stub += "    return \(p)rd_b();\n"
            } else if ["float", "double", "long double"].contains(spelled) {
                stub += "    return (\(type))\(p)rd_f();\n"
            } else {
                stub += """
                        long long \(p)s = 0;
                        unsigned long long \(p)u = 0;
                        int \(p)negative;
                        \(p)rd_int(&\(p)s, &\(p)u, &\(p)negative);
                        \(type) \(p)r = \(p)negative ? (\(type))\(p)s : (\(type))\(p)u;
                        if (\(p)negative ? (!(\(p)r < 0) || (long long)\(p)r != \(p)s) : (\(p)r < 0 || (unsigned long long)\(p)r != \(p)u)) \(p)lost();
                        return \(p)r;

                    """
            }
        }
        stub += "}\n"
        text += "#line 1 \"stub\"\n" + stub + "#undef assert\n" + CHarness.prelude(evidence: evidence, judged: true)
        let cleanedTest = test.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            CHarness.isAssertInclude(line) ? "" : line
        }.joined(separator: "\n")
        text += "#line 1 \"test\"\n" + cleanedTest + "\n"
        return (text, CHarness.countAsserts(in: test))
    }
}
