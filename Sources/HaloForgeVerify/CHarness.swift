internal import Foundation

/// Builds the C/C++ test program: the candidate, then a harness main() compiled after
/// it in the same program, with an assert the candidate cannot replace and a finish
/// hook that reports counts and the run's token through raw system calls.
enum CHarness {
    /// The fd a judged program writes its assert lines to (below any RLIMIT_NOFILE).
    static let recordFD: Int32 = 3

    /// Source of the program and the number of assert statements in the test.
    /// `prelude` replaces the Linux harness (the Windows build brings its own).
    /// `cplusplus`: the test's `assert(L == R)` compare plain data (see `CPlainCompare`).
    /// `judged`: a judge process outside the program holds the token (the program ends with
    /// `END passed total` and never reads stdin).
    static func program(
        candidate: String, test: String, evidence: Evidence, prelude: String? = nil, cplusplus: Bool = false, judged: Bool = false,
        entry: CEntryPoint? = nil
    ) -> (source: String, asserts: Int) {
        let n = evidence.names
        var text = "#define main hf_\(n)_candidate_main\n"
        if let entry { text += "#define \(entry.name) \(entry.candidateName(n))\n" }
        text += "#line 1 \"solution\"\n"
        text += candidate
        if !candidate.hasSuffix("\n") { text += "\n" }
        text += "#undef main\n#undef assert\n"
        for name in definedMacros(candidate) { text += "#undef \(name)\n" }
        if let entry { text += entry.wrapper(n) }
        text += prelude ?? Self.prelude(evidence: evidence, judged: judged)
        var cleanedTest = test.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            isAssertInclude(line) ? "" : line
        }.joined(separator: "\n")
        if cplusplus {
            text += CPlainCompare.functions(n)
            cleanedTest = CPlainCompare.rewrite(cleanedTest, names: n)
        }
        text += "#line 1 \"test\"\n" + cleanedTest + "\n"
        return (text, countAsserts(in: test))
    }

    /// Macro names the candidate defines: undefined before the harness so they cannot
    /// rewrite it (`#define issame(a, b) true`), however the `#define` is spelled.
    static func definedMacros(_ source: String) -> [String] {
        CSourceScan.everyReading(source).definedMacros
    }

    static func isAssertInclude(_ line: Substring) -> Bool {
        let compact = line.filter { $0 != " " && $0 != "\t" }
        return compact.hasPrefix("#include<assert.h>") || compact.hasPrefix("#include<cassert>")
            || compact.hasPrefix("#include\"assert.h\"")
    }

    static func countAsserts(in test: String) -> Int {
        var count = 0
        var rest = Substring(test)
        while let range = rest.range(of: "assert") {
            let before = range.lowerBound == rest.startIndex ? nil : rest[rest.index(before: range.lowerBound)]
            let after = rest[range.upperBound...].drop { $0 == " " || $0 == "\t" }
            let isWord = before.map { !($0.isLetter || $0.isNumber || $0 == "_") } ?? true
            if isWord && after.first == "(" { count += 1 }
            rest = rest[range.upperBound...]
        }
        return count
    }

    static func prelude(evidence: Evidence, judged: Bool = false) -> String {
        let n = evidence.names
        let finish = judged
            ? """
            hf_\(n)_put("END ");
            hf_\(n)_put_number(hf_\(n)_ok);
            hf_\(n)_put(" ");
            hf_\(n)_put_number(hf_\(n)_ok + hf_\(n)_failed);
            hf_\(n)_put("\\n");
            """
            : CHarness.reportDone(n, read: #"hf_\#(n)_sys(SYS_read, 0, (long)(token + got), 64 - got)"#, start: #"hf_\#(n)_put("DONE ");"#)
        return """
            #line 1 "harness"
            #include <sys/syscall.h>
            static unsigned long hf_\(n)_ok, hf_\(n)_failed;
            \(CHarness.rawSyscall("static long hf_\(n)_sys"))
            static void hf_\(n)_put(const char *s) {
                long len = 0;
                while (s[len]) len++;
                hf_\(n)_sys(SYS_write, \(judged ? CHarness.recordFD : evidence.reportFD), (long)s, len);
            }
            \(CHarness.assertFunctions(n, startLine: #"hf_\#(n)_put("A 0 ");"#))
            /* Runs when main returns or anybody calls exit(): the counts show whether every assert ran. */
            __attribute__((destructor)) static void hf_\(n)_finish(void) {
                \(finish)
            }
            #define assert(...) hf_\(n)_check((__VA_ARGS__) ? 1 : 0, #__VA_ARGS__, __LINE__)

            """
    }
}

extension CHarness {
    /// A system call without libc (whose `write`/`exit` the candidate may have replaced):
    /// `head` is the function's storage, type and name, e.g. `static long hf_x_sys`.
    static func rawSyscall(_ head: String) -> String {
        """
        \(head)(long nr, long a, long b, long c) {
        #if defined(__x86_64__)
            long r;
            __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
            return r;
        #elif defined(__aarch64__)
            register long x8 __asm__("x8") = nr;
            register long x0 __asm__("x0") = a;
            register long x1 __asm__("x1") = b;
            register long x2 __asm__("x2") = c;
            __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
            return x0;
        #else
        #error "halo-forge harness: unsupported architecture"
        #endif
        }
        """
    }

    /// The C functions every harness shares: count asserts, and write a failed one's report
    /// line (`startLine` is the C statement that begins that line on the harness's channel).
    static func assertFunctions(_ n: String, startLine: String) -> String {
        """
        static void hf_\(n)_put_number(unsigned long v) {
            char digits[24];
            int i = 23;
            digits[i] = 0;
            do { digits[--i] = (char)('0' + v % 10); v /= 10; } while (v);
            hf_\(n)_put(digits + i);
        }
        static void hf_\(n)_check(int ok, const char *expr, int line) {
            if (ok) { hf_\(n)_ok++; return; }
            hf_\(n)_failed++;
            char text[160];
            int i = 0;
            while (expr[i] && i < 150) { text[i] = expr[i] == '\\n' ? ' ' : expr[i]; i++; }
            text[i] = 0;
            \(startLine)
            hf_\(n)_put_number((unsigned long)line);
            hf_\(n)_put(" assert(");
            hf_\(n)_put(text);
            hf_\(n)_put(") failed\\n");
        }
        """
    }
}

extension CHarness {
    /// The body of the harness's last word: read the run's token (one line on stdin, only now,
    /// so candidate code never sees it) with `read`, then write `DONE token passed total` after
    /// `start`, the C statement that begins a report line on the harness's channel.
    static func reportDone(_ n: String, read: String, start: String) -> String {
        """
        char token[72];
        long got = 0;
        /* One line: a newline, not end-of-file, ends the token. */
        while (got < 64 && (got == 0 || token[got - 1] != '\\n')) {
            long r = \(read);
            if (r <= 0) break;
            got += r;
        }
        while (got > 0 && (token[got - 1] == '\\n' || token[got - 1] == '\\r')) got--;
        token[got] = 0;
        \(start)
        hf_\(n)_put(token);
        hf_\(n)_put(" ");
        hf_\(n)_put_number(hf_\(n)_ok);
        hf_\(n)_put(" ");
        hf_\(n)_put_number(hf_\(n)_ok + hf_\(n)_failed);
        hf_\(n)_put("\\n");
        """
    }
}
