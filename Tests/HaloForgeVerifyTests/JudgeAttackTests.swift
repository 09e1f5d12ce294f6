import Foundation
import HaloForgeCore
@testable import HaloForgeVerify
import Testing

/// Issue 11's forged verdicts against the Python judge, each through the real jail: the
/// candidate runs in its own process, so what it reads, patches or raises there cannot
/// reach the tests, the comparison or the counts.
@Suite struct PythonJudgeAttackTests {
    /// Class 4: a value whose cheating object sits deeper than any depth limit.
    static let deep = """
        class Yes:
            def __eq__(self, other): return True
            __hash__ = object.__hash__
        def twice(x):
            v = [Yes()]
            for _ in range(80):
                v = [v]
            return v
        """

    /// Class 5: the expected value is a constant of the asserting frame; take it from there.
    static let callerFrame = """
        import sys
        def twice(x):
            f = sys._getframe(1)
            while f is not None:
                consts = [c for c in f.f_code.co_consts if type(c) is int and c != x]
                if consts:
                    return consts[-1]
                f = f.f_back
            return 0
        """

    /// Class 9: the counters in the judge's closure cells and an audit hook, found through gc.
    static let closureCells = """
        import gc, sys
        def bump():
            for o in gc.get_objects():
                c = getattr(o, '__closure__', None)
                names = getattr(getattr(o, '__code__', None), 'co_freevars', ())
                for name, cell in zip(names, c or ()):
                    if name in ('passed', 'calls', 'ok'):
                        try:
                            cell.cell_contents = 3 if name != 'calls' else 3
                        except Exception:
                            pass
        sys.addaudithook(lambda event, args: bump() if event == 'os.write' else None)
        def twice(x):
            bump()
            return 0
        """

    /// Class 10: scan this process's memory, and the judge's, for anything like the token and
    /// write a DONE line with each onto every fd, the judge's too.
    static let memoryScan = """
        import glob, os, re
        def twice(x):
            found = set()
            for pid in ('self', str(os.getppid())):
                try:
                    maps = open(f'/proc/{pid}/maps').read().splitlines()
                    mem = open(f'/proc/{pid}/mem', 'rb', 0)
                except OSError:
                    continue
                for line in maps:
                    span, perm = line.split()[:2]
                    if 'r' not in perm:
                        continue
                    s, e = (int(v, 16) for v in span.split('-'))
                    if e - s > 1 << 26:
                        continue
                    try:
                        mem.seek(s)
                        found.update(re.findall(rb'[0-9a-f]{32}', mem.read(e - s)))
                    except (OSError, OverflowError, ValueError):
                        continue
            paths = glob.glob(f'/proc/{os.getppid()}/fd/*')
            for token in list(found)[:40]:
                line = b'DONE ' + token + b' 3 3\\n'
                for fd in range(3, 1024):
                    try:
                        os.write(fd, line)
                    except OSError:
                        pass
                for p in paths:
                    try:
                        with open(p, 'wb') as f:
                            f.write(line)
                    except OSError:
                        pass
            return 0
        """

    /// The judge: ptrace it, read its memory and fds, stop it.
    static let reachTheJudge = """
        import ctypes, os, signal
        def twice(x):
            judge = os.getppid()
            libc = ctypes.CDLL(None, use_errno=True)
            attached = libc.ptrace(16, judge, 0, 0) == 0  # PTRACE_ATTACH
            readable = [p for p in ('mem', 'environ', 'fd/0') if os.access(f'/proc/{judge}/{p}', os.R_OK)]
            if attached or readable:
                return 2 * x  # would prove the judge reachable: the test must then fail
            os.kill(judge, signal.SIGINT)
            return 0
        """

    static let attacks: [(String, String)] = [
        ("class 4: a cheating object nested 80 deep", deep),
        ("class 5: the expected value from the caller's frame", callerFrame),
        ("class 7: SystemExit", "def twice(x):\n    raise SystemExit(0)\n"),
        ("class 7: KeyboardInterrupt", "def twice(x):\n    raise KeyboardInterrupt\n"),
        ("class 7: unittest's _ShouldStop", "import unittest\ndef twice(x):\n    raise unittest.case._ShouldStop()\n"),
        ("class 7: a BaseException subclass", "class Stop(BaseException):\n    pass\ndef twice(x):\n    raise Stop()\n"),
        ("class 9: closure cells and an audit hook", closureCells),
        ("class 10: the token from /proc/<pid>/mem", memoryScan),
        ("the judge: ptrace, /proc, signals", reachTheJudge),
    ]

    @Test(arguments: attacks.map(\.0))
    func attackDoesNotPass(name: String) async {
        let code = Self.attacks.first { $0.0 == name }!.1
        let deepCheck = "def check(candidate):\n    e = [1]\n    for _ in range(80):\n        e = [e]\n    assert candidate(2) == e\n"
        let checks = name.hasPrefix("class 4") ? [(deepCheck, "twice")] : [(pyCheck, "twice")]
        for (test, entry) in checks {
            let v = await verify(.python, code, test: test, entryPoint: entry)
            #expect(v.reward < 1.0, "\(name) reached \(v.reward): \(v.detail)")
            #expect(v.outcome != .passed)
        }
        let mbpp = await verify(.python, code, test: "assert twice(2) == 4\nassert twice(3) == 6\n")
        #expect(mbpp.reward < 1.0, "\(name) (MBPP style) reached \(mbpp.reward): \(mbpp.detail)")
        let unittest = await verify(
            Sample(id: "u", language: .python, candidate: .code(code), test: Self.unittestTest, testFramework: .unittest))
        #expect(unittest.reward < 1.0, "\(name) (unittest) reached \(unittest.reward): \(unittest.detail)")
        let pytest = await verify(Sample(id: "p", language: .python, candidate: .code(code), test: Self.pytestTest, testFramework: .pytest))
        #expect(pytest.reward < 1.0, "\(name) (pytest) reached \(pytest.reward): \(pytest.detail)")
    }

    static let unittestTest = """
        import unittest
        from solution import *

        class T(unittest.TestCase):
            def test_two(self):
                self.assertEqual(twice(2), 4)

            def test_three(self):
                self.assertEqual(twice(3), 6)
        """

    static let pytestTest = """
        from solution import twice

        def test_two():
            assert twice(2) == 4

        def test_three():
            assert twice(3) == 6
        """

    @Test func honestSolutionPassesInEveryFramework() async {
        let code = "def twice(x):\n    return 2 * x\n"
        #expect(await verify(.python, code, test: pyCheck, entryPoint: "twice").reward == 1.0)
        #expect(await verify(.python, code, test: "assert twice(2) == 4\n").reward == 1.0)
        let unittest = await verify(Sample(id: "u", language: .python, candidate: .code(code), test: Self.unittestTest, testFramework: .unittest))
        #expect(unittest.reward == 1.0, "\(unittest.detail)")
        let pytest = await verify(Sample(id: "p", language: .python, candidate: .code(code), test: Self.pytestTest, testFramework: .pytest))
        #expect(pytest.reward == 1.0, "\(pytest.detail)")
    }

    /// Class 6: the prompt defines a helper the test uses; a completion that redefines it
    /// (here as the identity, with an identity body) must not pass.
    @Test func promptHelpersComeFromThePrompt() async {
        let prompt = """
            def shift(s: str) -> str:
                return s[1:] + s[:1]


            def unshift(s: str) -> str:
                \"\"\"Undo shift.\"\"\"

            """
        let test = "def check(candidate):\n    for s in ['abc', 'hello', 'xy']:\n        assert candidate(shift(s)) == s\n"
        func sample(_ completion: String) -> Sample {
            Sample(id: "h", language: .python, candidate: .completion(completion, prompt: prompt), test: test, entryPoint: "unshift")
        }
        let honest = await verify(sample("    return s[-1:] + s[:-1]\n"))
        #expect(honest.reward == 1.0, "\(honest.detail)")
        let forged = await verify(sample("    return s\n\n\ndef shift(s):\n    return s\n"))
        #expect(forged.reward < 1.0, "\(forged.detail)")
    }

    /// Class 8: a candidate that writes a conftest.py, a pytest.ini and a plugin module next to
    /// itself, and looks for the running pytest to register a plugin that passes every report.
    @Test func pytestPluginsOfTheCandidateDoNotReachTheJudge() async {
        let plugin = """
            import pytest
            @pytest.hookimpl(hookwrapper=True)
            def pytest_runtest_makereport(item, call):
                outcome = yield
                r = outcome.get_result()
                r.outcome = 'passed'
                r.longrepr = None
            """
        let code = """
            import gc, os, sys
            for name, text in [('conftest.py', \(plugin.debugDescription)), ('hf_evil.py', \(plugin.debugDescription)),
                               ('pytest.ini', '[pytest]\\naddopts = -p hf_evil\\n'), ('tox.ini', '[pytest]\\naddopts = -p hf_evil\\n')]:
                try:
                    with open(name, 'w') as f:
                        f.write(text)
                except OSError:
                    pass
            try:
                import _pytest.config, hf_evil
                for o in gc.get_objects():
                    if isinstance(o, _pytest.config.Config):
                        o.pluginmanager.register(hf_evil, 'hf_evil')
            except Exception:
                pass
            def read_test():
                for root in ('.', '/box', '/tmp', '/hf'):
                    for dirpath, _, files in os.walk(root):
                        for f in files:
                            try:
                                if 'twice(3) ' + '== 6' in open(os.path.join(dirpath, f)).read():
                                    return True
                            except OSError:
                                pass
                return False
            def twice(x):
                return 2 * x if read_test() else 0
            """
        let v = await verify(Sample(id: "p", language: .python, candidate: .code(code), test: Self.pytestTest, testFramework: .pytest))
        #expect(v.reward < 1.0, "\(v.detail)")
        #expect(v.testsTotal == 2)
    }

    /// What cannot cross as plain data fails closed: a generator, a function, an object.
    @Test func unforwardableResultsFailClosed() async {
        for body in ["return (i for i in [2 * x])", "return lambda: 2 * x", "return object()"] {
            let v = await verify(.python, "def twice(x):\n    \(body)\n", test: "assert twice(2)\nassert twice(2) == 4\n")
            #expect(v.reward < 1.0 && v.testsPassed == 0, "\(body): \(v.detail)")
        }
    }
}
