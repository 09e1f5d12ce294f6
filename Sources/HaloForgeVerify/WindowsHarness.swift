/// The harness prelude for Windows (PE, x86-64) test programs.
///
/// A PE program has no raw Linux system calls and wine hands it only the three standard
/// handles, so the report goes to stderr, each line framed by newlines so candidate output
/// cannot swallow it, and the run's token arrives on stdin as on Linux. The harness writes
/// and reads through ntdll's NtWriteFile/NtReadFile, found by walking the loader's module
/// list and ntdll's export table: no import, CRT function or symbol the candidate could
/// define or replace is on that path. What remains open, as on Linux: a candidate that
/// reads the token from stdin itself and writes a well-formed report, or that patches
/// ntdll's code in memory, could forge one; a candidate written without that knowledge cannot.
enum WindowsHarness {
    static func prelude(evidence: Evidence) -> String {
        let n = evidence.names
        return """
            #line 1 "harness"
            typedef long (*hf_\(n)_io)(void *, void *, void *, void *, void *, void *, unsigned long, void *, void *);
            static hf_\(n)_io hf_\(n)_read, hf_\(n)_write;
            static unsigned long hf_\(n)_ok, hf_\(n)_failed;
            static unsigned char *hf_\(n)_peb(void) {
                unsigned char *peb;
                __asm__ volatile("movq %%gs:0x60, %0" : "=r"(peb));
                return peb;
            }
            /* 0 stdin, 1 stdout, 2 stderr: the handles in the process parameters. */
            static void *hf_\(n)_std(int which) {
                unsigned char *params = *(unsigned char **)(hf_\(n)_peb() + 0x20);
                return *(void **)(params + 0x20 + 8 * which);
            }
            static void *hf_\(n)_export(unsigned char *base, const char *name) {
                unsigned char *nt = base + *(int *)(base + 0x3c);
                unsigned int dir = *(unsigned int *)(nt + 0x18 + 0x70);
                if (!dir) return 0;
                unsigned char *exports = base + dir;
                unsigned int count = *(unsigned int *)(exports + 0x18);
                unsigned int *functions = (unsigned int *)(base + *(unsigned int *)(exports + 0x1c));
                unsigned int *names = (unsigned int *)(base + *(unsigned int *)(exports + 0x20));
                unsigned short *ordinals = (unsigned short *)(base + *(unsigned int *)(exports + 0x24));
                for (unsigned int i = 0; i < count; i++) {
                    const char *a = (const char *)(base + names[i]);
                    const char *b = name;
                    while (*a && *a == *b) { a++; b++; }
                    if (*a == *b) return base + functions[ordinals[i]];
                }
                return 0;
            }
            static int hf_\(n)_resolve(void) {
                if (hf_\(n)_write && hf_\(n)_read) return 1;
                unsigned char *head = *(unsigned char **)(hf_\(n)_peb() + 0x18) + 0x10;
                for (unsigned char *link = *(unsigned char **)head; link != head; link = *(unsigned char **)link) {
                    const char *want = "ntdll.dll";
                    unsigned short *text = *(unsigned short **)(link + 0x60);
                    int i = 0;
                    if (*(unsigned short *)(link + 0x58) != 18) continue;
                    while (i < 9 && (text[i] | 0x20) == (unsigned short)(want[i] | 0x20)) i++;
                    if (i < 9) continue;
                    unsigned char *base = *(unsigned char **)(link + 0x30);
                    hf_\(n)_read = (hf_\(n)_io)hf_\(n)_export(base, "NtReadFile");
                    hf_\(n)_write = (hf_\(n)_io)hf_\(n)_export(base, "NtWriteFile");
                    break;
                }
                return hf_\(n)_write && hf_\(n)_read;
            }
            static void hf_\(n)_put(const char *s) {
                unsigned long len = 0;
                unsigned long long status[2] = {0, 0};
                while (s[len]) len++;
                if (hf_\(n)_resolve()) hf_\(n)_write(hf_\(n)_std(2), 0, 0, 0, status, (void *)s, len, 0, 0);
            }
            static long hf_\(n)_get(char *buffer, unsigned long size) {
                unsigned long long status[2] = {0, 0};
                if (!hf_\(n)_resolve() || hf_\(n)_read(hf_\(n)_std(0), 0, 0, 0, status, buffer, size, 0, 0) < 0) return -1;
                return (long)status[1];
            }
            \(CHarness.assertFunctions(n, startLine: #"hf_\#(n)_put("\nA 0 ");"#))
            /* Runs when main returns or anybody calls exit(): the counts show whether every assert ran. */
            __attribute__((destructor)) static void hf_\(n)_finish(void) {
                \(CHarness.reportDone(n, read: #"hf_\#(n)_get(token + got, (unsigned long)(64 - got))"#, start: #"hf_\#(n)_put("\nDONE ");"#))
            }
            #define assert(...) hf_\(n)_check((__VA_ARGS__) ? 1 : 0, #__VA_ARGS__, __LINE__)

            """
    }
}
