internal import Foundation

/// The C/C++ test program for a remote build host, where the local harness's report
/// channel (an inherited fd at a random number, raw Linux system calls) does not
/// exist: MSVC on Windows has neither. The report travels on stdout instead, each
/// line introduced by a per-sample random marker and written below stdio (a raw
/// system call on Linux, the CRT's `_write` on Windows, `write` elsewhere). As
/// locally, the run's token arrives on stdin and is read only at the very end, so a
/// DONE line that counts is one only the harness could write.
///
/// Limits, beyond the local ones: the marker is in the binary, so a candidate can
/// print lines that look like the harness's (it still lacks the token, so it can only
/// add failures); on Windows, a candidate that defines its own `_write` or `_read`
/// replaces the harness's output path.
enum RemoteHarness {
    static func program(candidate: String, test: String, evidence: Evidence, marker: String) -> (source: String, asserts: Int) {
        let n = evidence.names
        var text = "#define main hf_\(n)_candidate_main\n"
        text += "#line 1 \"solution\"\n"
        text += candidate
        if !candidate.hasSuffix("\n") { text += "\n" }
        text += "#undef main\n#undef assert\n"
        for name in CHarness.definedMacros(candidate) { text += "#undef \(name)\n" }
        text += prelude(names: n, marker: marker)
        let cleanedTest = test.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            CHarness.isAssertInclude(line) ? "" : line
        }.joined(separator: "\n")
        text += "#line 1 \"test\"\n" + cleanedTest + "\n"
        return (text, CHarness.countAsserts(in: test))
    }

    /// The report lines of a run's stdout (the marker and what precedes it removed).
    static func report(in stdout: String, marker: String) -> String {
        var lines: [Substring] = []
        // isNewline: "\r\n" (a Windows program's text-mode stdout) is one Character to Swift.
        for line in stdout.split(whereSeparator: \.isNewline) {
            guard let range = line.range(of: marker, options: .backwards) else { continue }
            lines.append(line[range.upperBound...])
        }
        return lines.joined(separator: "\n")
    }

    /// The candidate's own stdout, report lines removed.
    static func candidateOutput(_ stdout: String, marker: String) -> String {
        stdout.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).filter { !$0.contains(marker) }
            .joined(separator: "\n")
    }

    static func prelude(names n: String, marker: String) -> String {
        """
        #line 1 "harness"
        #if defined(_WIN32)
        #include <io.h>
        #include <stdlib.h>
        static long hf_\(n)_out(const char *s, long len) { return _write(1, s, (unsigned)len); }
        static long hf_\(n)_in(char *s, long len) { return _read(0, s, (unsigned)len); }
        #elif defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
        #include <sys/syscall.h>
        \(CHarness.rawSyscall("static long hf_\(n)_sys"))
        static long hf_\(n)_out(const char *s, long len) { return hf_\(n)_sys(SYS_write, 1, (long)s, len); }
        static long hf_\(n)_in(char *s, long len) { return hf_\(n)_sys(SYS_read, 0, (long)s, len); }
        #else
        #include <unistd.h>
        static long hf_\(n)_out(const char *s, long len) { return (long)write(1, s, (size_t)len); }
        static long hf_\(n)_in(char *s, long len) { return (long)read(0, s, (size_t)len); }
        #endif
        static unsigned long hf_\(n)_ok, hf_\(n)_failed;
        static void hf_\(n)_put(const char *s) {
            long len = 0;
            while (s[len]) len++;
            hf_\(n)_out(s, len);
        }
        /* A report line starts on a line of its own, whatever the candidate printed before it. */
        static void hf_\(n)_line(const char *kind) {
            hf_\(n)_put("\\n\(marker)");
            hf_\(n)_put(kind);
        }
        \(CHarness.assertFunctions(n, startLine: #"hf_\#(n)_line("A 0 ");"#))
        /* Runs when main returns or anybody calls exit(): the counts show whether every assert ran. */
        static void hf_\(n)_finish(void) {
            \(CHarness.reportDone(n, read: #"hf_\#(n)_in(token + got, 64 - got)"#, start: #"hf_\#(n)_line("DONE ");"#))
        }
        #if defined(__GNUC__) || defined(__clang__)
        __attribute__((destructor)) static void hf_\(n)_at_exit(void) { hf_\(n)_finish(); }
        #elif defined(__cplusplus)
        static struct hf_\(n)_exit_hook { ~hf_\(n)_exit_hook() { hf_\(n)_finish(); } } hf_\(n)_exit_hook_object;
        #else
        /* MSVC, C: a CRT initialiser registers the finish hook with atexit. */
        static void __cdecl hf_\(n)_register(void) { atexit(hf_\(n)_finish); }
        #pragma section(".CRT$XCU", read)
        __declspec(allocate(".CRT$XCU")) void (__cdecl *hf_\(n)_register_pointer)(void) = hf_\(n)_register;
        #endif
        #define assert(...) hf_\(n)_check((__VA_ARGS__) ? 1 : 0, #__VA_ARGS__, __LINE__)

        """
    }
}
