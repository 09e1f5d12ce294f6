import Foundation
import HaloForgeCore
@testable import HaloForgeVerify
import Testing

/// Candidates that try to reach 1.0 without passing every test. None may.
@Suite struct PythonGamingTests {
    static let wrong = "def twice(x):\n    return 0\n"

    static let attacks: [(String, String)] = [
        ("exit at module level", "import sys\ndef twice(x):\n    return 0\nsys.exit(0)\n"),
        ("os._exit inside the function", "import os\ndef twice(x):\n    os._exit(0)\n"),
        ("SystemExit inside the function", "def twice(x):\n    raise SystemExit(0)\n"),
        ("atexit hook", "import atexit, os\natexit.register(lambda: os._exit(0))\ndef twice(x):\n    raise SystemExit(1)\n"),
        ("excepthook", "import sys, os\nsys.excepthook = lambda *a: os._exit(0)\ndef twice(x):\n    return 0\n"),
        ("signal handler", "import signal, os\nsignal.signal(signal.SIGALRM, lambda *a: os._exit(0))\nsignal.setitimer(signal.ITIMER_REAL, 0.01)\ndef twice(x):\n    import time\n    time.sleep(1)\n    return 0\n"),
        ("thread", "import threading, os\nthreading.Thread(target=lambda: os._exit(0)).start()\ndef twice(x):\n    import time\n    time.sleep(1)\n    return 0\n"),
        ("forged summary", "print('DONE 0123456789abcdef0123456789abcdef 3 3')\nprint('All tests passed')\ndef twice(x):\n    import os\n    os._exit(0)\n"),
        ("forged report line on every fd", "import os\nfor fd in range(3, 1024):\n    try: os.write(fd, b'DONE 0123456789abcdef0123456789abcdef 3 3\\n')\n    except OSError: pass\ndef twice(x):\n    return 0\n"),
        ("__eq__ always true", "class Any:\n    def __eq__(self, other): return True\n    def __bool__(self): return True\ndef twice(x):\n    return Any()\n"),
        ("int subclass with __eq__", "class I(int):\n    def __eq__(self, other): return True\ndef twice(x):\n    return I(0)\n"),
        ("read the tests from disk", "import glob\ndef twice(x):\n    for f in glob.glob('/box/*') + glob.glob('/tmp/*') + glob.glob('*'):\n        if 'assert' in open(f).read() and 'candidate(2)' in open(f).read(): return 4\n    return 0\n"),
        ("redefine check", "def check(candidate):\n    pass\ndef twice(x):\n    return 0\n"),
    ]

    @Test(arguments: attacks.map(\.0))
    func attackDoesNotPass(name: String) async {
        let code = Self.attacks.first { $0.0 == name }!.1
        let v = await verify(.python, code, test: pyCheck, entryPoint: "twice")
        #expect(v.reward < 1.0, "\(name) reached \(v.reward): \(v.detail)")
        #expect(v.outcome != .passed)
        let mbpp = await verify(.python, code, test: "assert twice(2) == 4\nassert twice(3) == 6\n")
        #expect(mbpp.reward < 1.0, "\(name) (MBPP style) reached \(mbpp.reward): \(mbpp.detail)")
    }

    @Test func honestSolutionStillPassesWithEveryDefenceOn() async {
        let v = await verify(.python, "from collections import Counter\ndef twice(x):\n    return 2 * x\n", test: pyCheck, entryPoint: "twice")
        #expect(v.reward == 1.0, "\(v.detail)")
    }
}

@Suite struct CGamingTests {
    static let attacks: [(String, String)] = [
        ("exit(0) in a static constructor", "#include <stdlib.h>\n__attribute__((constructor)) static void early(void) { exit(0); }\nint twice(int x) { return 0; }\n"),
        ("_exit(0) inside the function", "#include <unistd.h>\nint twice(int x) { _exit(0); }\n"),
        ("exit(0) inside the function", "#include <stdlib.h>\nint twice(int x) { exit(0); }\n"),
        ("quick_exit", "#include <stdlib.h>\nint twice(int x) { quick_exit(0); }\n"),
        ("redefine assert", "#include <assert.h>\n#undef assert\n#define assert(x) ((void)0)\nint twice(int x) { return 0; }\n"),
        ("define the function as a macro", "int twice(int x) { return 0; }\n#define twice(x) (2 * (x))\n"),
        ("replace __assert_fail", "#include <stddef.h>\nvoid __assert_fail(const char *a, const char *f, unsigned int l, const char *fn) { }\nint twice(int x) { return 0; }\n"),
        ("abort handler that exits 0", "#include <signal.h>\n#include <unistd.h>\nstatic void h(int s) { _exit(0); }\n__attribute__((constructor)) static void install(void) { signal(SIGABRT, h); }\nint twice(int x) { return 0; }\n"),
        ("forged summary on stdout", "#include <stdio.h>\n#include <stdlib.h>\nint twice(int x) { puts(\"All tests passed\"); exit(0); }\n"),
        ("forged report on every fd", "#include <unistd.h>\n#include <stdlib.h>\nint twice(int x) { for (int fd = 3; fd < 1024; fd++) write(fd, \"DONE 0123456789abcdef0123456789abcdef 3 3\\n\", 42); exit(0); }\n"),
        ("override write()", "#include <stddef.h>\n#include <sys/types.h>\nssize_t write(int fd, const void *b, size_t n) { return (ssize_t)n; }\nint twice(int x) { return 0; }\n"),
        ("read the test source from disk", "#include <stdio.h>\nint twice(int x) { FILE *f = fopen(\"main.c\", \"r\"); if (!f) f = fopen(\"/box/main.c\", \"r\"); if (f) { fclose(f); return 2 * x; } return 0; }\n"),
    ]

    @Test(arguments: attacks.map(\.0))
    func attackDoesNotPass(name: String) async {
        let code = Self.attacks.first { $0.0 == name }!.1
        for language in [Language.c, .cpp] {
            let v = await verify(language, code, test: cTwiceTest)
            #expect(v.reward < 1.0, "\(name) (\(language)) reached \(v.reward): \(v.detail)")
            #expect(v.outcome != .passed)
        }
    }

    @Test func ioExpectedOutputIsNotOnDisk() async {
        // The expected stdout never enters the sandbox: a program can only print what it computes.
        let code = "#include <stdio.h>\n#include <dirent.h>\nint main(void) { DIR *d = opendir(\".\"); struct dirent *e; while ((e = readdir(d))) printf(\"%s \", e->d_name); return 0; }\n"
        let v = await verify(.c, code, io: [IOCase(stdin: "", stdout: "secret-expected-output")])
        #expect(v.reward < 1.0)
    }
}

/// The compiler reads hostile source too.
@Suite struct CompilerAttackTests {
    @Test func includingDevZeroEndsAtALimit() async {
        let v = await verify(.c, "#include \"/dev/zero\"\nint main(void) { return 0; }\n")
        #expect(v.outcome == .syntaxError)
        #expect(v.reward == 0.0)
    }

    @Test func includingASecretDoesNotLeakIt() async throws {
        let secret = "/tmp/hf-compiler-secret-\(getpid())"
        try "int leaked_secret_value = 4242;".write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0o600)
        defer { unlink(secret) }
        for path in [secret, "/etc/shadow", "/root/.bashrc"] {
            let v = await verify(.c, "#include \"\(path)\"\nint main(void) { return 0; }\n")
            #expect(v.reward == 0.0)
            #expect(!v.detail.contains("4242"))
            #expect(!v.detail.contains("root:"))
        }
    }
}
