"""Tests for the trusted Python harness: hf_driver.py and hf_pytest_plugin.py.

Each test runs the driver as the Swift parent would (python3 -I -S, payload on stdin, report on a
pipe fd), minus the sandbox. Gaming tests check the one thing that matters: no DONE line with
the right token and passed == total > 0.
"""
import json, os, shutil, subprocess, sys, textwrap
from pathlib import Path

import pytest

RES = Path(__file__).resolve().parents[1] / "Sources" / "HaloForgeVerify" / "Resources"
DRIVER = RES / "hf_driver.py"
# The benchmarks ship in the repository.
DATA = Path(__file__).resolve().parents[1] / "datasets"
TOKEN = "5f" * 16


def read_all(fd):
    out = b""
    while chunk := os.read(fd, 1 << 16):
        out += chunk
    os.close(fd)
    return out.decode()


def drive(tmp_path, code, mode="tests", test=None, entry=None, prompt=None):
    """Run the driver on code; returns (exit code, report lines, stdout, stderr)."""
    path = tmp_path / "solution.py"
    path.write_text(textwrap.dedent(code))
    r, w = os.pipe()
    payload = {"token": TOKEN, "report_fd": w, "mode": mode, "code_path": str(path),
               "test": test and textwrap.dedent(test), "entry_point": entry,
               "site_paths": [str(Path(pytest.__file__).parents[1])] if mode == "pytest" else [], "names": "q7x2k", "prompt": prompt, "harness_dir": str(RES)}
    try:
        p = subprocess.run([sys.executable, "-I", "-S", str(DRIVER)], input=json.dumps(payload).encode(),
                           pass_fds=[w], capture_output=True, cwd=tmp_path, timeout=60)
    finally:
        os.close(w)
    return p.returncode, read_all(r).splitlines(), p.stdout.decode(), p.stderr.decode()


def done(lines):
    """(passed, total) from the DONE line with the right token, or None."""
    ds = [l.split() for l in lines if l.startswith("DONE ") and l.split()[1] == TOKEN]
    assert len(ds) <= 1 and (not ds or lines[-1].startswith("DONE ")), lines
    return (int(ds[0][2]), int(ds[0][3])) if ds else None


def full_pass(lines):
    d = done(lines)
    return d is not None and d[0] == d[1] > 0


HE_TEST = """
METADATA = {}

def check(candidate):
    assert candidate(2) == 4
    assert candidate(3) == 9, "three"
    assert abs(candidate(1.5) - 2.25) < 1e-9
"""
HE_PROMPT = 'def square(x):\n    """Return x squared."""\n'
MBPP_TEST = "assert square(2) == 4\nassert square(3) == 9\nassert square(4) == 16\n"


# --- compile stage ---------------------------------------------------------------------------

def test_syntax_error(tmp_path):
    rc, lines, _, _ = drive(tmp_path, "def f(:\n    pass\n", "import")
    assert rc == 0 and len(lines) == 1 and lines[0].startswith("S SyntaxError") and "line 1" in lines[0]


def test_compile_warning(tmp_path):
    rc, lines, _, _ = drive(tmp_path, 'x = "\\d"\n', "import")
    assert lines[0].startswith("W ") and "escape" in lines[0] and "line 1" in lines[0]
    assert lines[1:] == ["C", "I", f"DONE {TOKEN} 0 0"] and rc == 0


def test_module_exception(tmp_path):
    rc, lines, _, err = drive(tmp_path, "x = 1\ny = 1 / 0\n", "import")
    assert rc == 1 and lines == ["C", "X ZeroDivisionError: division by zero (line 2)"]
    assert "ZeroDivisionError" in err and "hf_driver" not in err


def test_run_mode_is_main_and_output_passes_through(tmp_path):
    code = "import sys\nif __name__ == '__main__':\n    print('hi')\n    print('err', file=sys.stderr)\n"
    rc, lines, out, err = drive(tmp_path, code, "run")
    assert (rc, lines, out, err) == (0, ["C", "I", f"DONE {TOKEN} 0 0"], "hi\n", "err\n")


def test_candidate_cannot_read_payload_from_stdin(tmp_path):
    code = "import sys\nprint(repr(sys.stdin.read()))\n"
    rc, lines, out, _ = drive(tmp_path, code, "import")
    assert out == "''\n" and TOKEN not in out


# --- tests mode ------------------------------------------------------------------------------

def test_humaneval_pass(tmp_path):
    _, lines, _, _ = drive(tmp_path, HE_PROMPT + "    return x * x\n", test=HE_TEST, entry="square")
    assert lines == ["C", "I", f"DONE {TOKEN} 3 3"]


def test_humaneval_fail(tmp_path):
    _, lines, _, _ = drive(tmp_path, HE_PROMPT + "    return x + x\n", test=HE_TEST, entry="square")
    assert done(lines) == (1, 3)
    assert "A 0 6 candidate(3) == 9" in lines and any(l.startswith("A 0 7 abs(") for l in lines)


def test_humaneval_missing_entry_point(tmp_path):
    _, lines, _, _ = drive(tmp_path, "def other(x):\n    return x * x\n", test=HE_TEST, entry="square")
    assert done(lines) == (0, 3) and any("check raised NameError" in l for l in lines)


def test_humaneval_check_raises_outside_assert(tmp_path):
    test = "def check(candidate):\n    assert candidate(2) == 4\n    y = candidate(None)\n    assert y == 0\n"
    _, lines, _, err = drive(tmp_path, HE_PROMPT + "    return x * x\n", test=test, entry="square")
    assert done(lines) == (1, 2) and any(l.startswith("A 0 3 check raised TypeError") for l in lines)
    assert "TypeError" in err


def test_humaneval_test_uses_prompt_helpers(tmp_path):
    code = "def poly(xs, x):\n    return sum(c * x ** i for i, c in enumerate(xs))\ndef root(xs):\n    return -xs[0] / xs[1]\n"
    test = "def check(candidate):\n    import math\n    for xs in ([1, 2], [3, -1]):\n        assert math.fabs(poly(xs, candidate(xs))) < 1e-6\n"
    _, lines, _, _ = drive(tmp_path, code, test=test, entry="root")
    assert done(lines) == (2, 2)


def test_mbpp_pass_and_fail(tmp_path):
    _, lines, _, _ = drive(tmp_path, "def square(x):\n    return x * x\n", test=MBPP_TEST)
    assert done(lines) == (3, 3)
    _, lines, _, _ = drive(tmp_path, "def square(x):\n    return 4\n", test=MBPP_TEST)
    assert done(lines) == (1, 3) and len([l for l in lines if l.startswith("A ")]) == 2


def test_mbpp_missing_function_and_setup_error(tmp_path):
    _, lines, _, _ = drive(tmp_path, "def sq(x):\n    return x * x\n", test=MBPP_TEST)
    assert done(lines) == (0, 3) and "A 0 1 square(2) == 4 (NameError)" in lines
    _, lines, _, _ = drive(tmp_path, "def square(x):\n    return x * x\n", test="r = Node(1)\n" + MBPP_TEST)
    assert done(lines) == (0, 3) and any(l.startswith("A 0 1 test raised NameError") for l in lines)


def test_candidate_helpers_are_not_guarded_inside_candidate(tmp_path):
    code = "def gen(n):\n    yield from range(n)\ndef square(x):\n    return sum(1 for _ in gen(x * x))\n"
    _, lines, _, _ = drive(tmp_path, code, test=MBPP_TEST)
    assert done(lines) == (3, 3)


def test_record_classes_usable_by_tests(tmp_path):
    code = "class Pair:\n    def __init__(self, a, b):\n        self.a, self.b = a, b\ndef total(ps):\n    return sum(p.a + p.b for p in ps)\n"
    _, lines, _, _ = drive(tmp_path, code, test="assert total([Pair(1, 2), Pair(3, 4)]) == 10\n")
    assert done(lines) == (1, 1)


def test_function_named_like_a_builtin(tmp_path):
    code = "def sum(a, b):\n    return a + b\n"
    _, lines, _, _ = drive(tmp_path, code, test="assert sum(1, 2) == 3\nassert sum(2, 2) == 4\n")
    assert done(lines) == (2, 2)


# --- gaming: none of these may yield a full pass ---------------------------------------------

WRONG = "def square(x):\n    return x + 1\n"
# a generic search for the token: 32-hex strings in every frame and every gc-tracked container
SCAN_TOKEN = """
import gc, os, re, sys
def found(v):
    if isinstance(v, bytes):
        v = v.decode("latin-1")
    if isinstance(v, str) and re.search("[0-9a-f]{32}", v):
        for fd in range(3, 64):
            try:
                os.write(fd, ("DONE %s 9 9\\n" % re.search("[0-9a-f]{32}", v).group()).encode())
            except OSError:
                pass
def square(x):
    f = sys._getframe()
    while f:
        for v in list(f.f_locals.values()):
            found(v)
        f = f.f_back
    for o in gc.get_objects():
        for v in (list(o.values()) if isinstance(o, dict) else list(o) if isinstance(o, (list, tuple)) else []):
            found(v)
    return x + 1
"""
GAMING = {
    "sys_exit_module": "import sys\nsys.exit(0)\n",
    "os_exit_in_function": "import os\ndef square(x):\n    os._exit(0)\n",
    "atexit_hook": WRONG + "import atexit, os\natexit.register(lambda: os._exit(0))\n",
    "excepthook": WRONG + "import sys\nsys.excepthook = lambda *a: None\n",
    "sigalrm": "import os, signal, time\nsignal.signal(signal.SIGALRM, lambda *a: os._exit(0))\n"
               "signal.setitimer(signal.ITIMER_REAL, 0.01)\ndef square(x):\n    time.sleep(1)\n",
    "thread_exit": "import os, threading, time\ndef square(x):\n"
                   "    threading.Thread(target=os._exit, args=(0,)).start()\n    time.sleep(1)\n",
    "forged_stdout": WRONG + "print('DONE %s 3 3' % ('5f' * 16))\nprint('All tests passed')\n",
    "forged_report_fds": WRONG + "import os\nfor fd in range(3, 256):\n    try:\n"
                         "        os.write(fd, b'DONE 00000000000000000000000000000000 3 3\\n')\n"
                         "    except OSError:\n        pass\n",
    "eq_always_true": "class Yes:\n    def __eq__(self, o):\n        return True\n"
                      "    def __sub__(self, o):\n        return 0\ndef square(x):\n    return Yes()\n",
    "int_subclass": "class I(int):\n    def __eq__(self, o):\n        return True\n"
                    "    def __sub__(self, o):\n        return 0\ndef square(x):\n    return I(0)\n",
    "in_container": "class Yes:\n    __eq__ = lambda s, o: True\ndef square(x):\n    return [Yes()]\n",
    "mock_any": "from unittest import mock\ndef square(x):\n    return mock.ANY\n",
    "class_as_function": "class square:\n    def __init__(self, x):\n        pass\n"
                         "    def __eq__(self, o):\n        return True\n    def __sub__(self, o):\n        return 0\n",
    "record_class_swaps_class": "class Yes:\n    __eq__ = lambda s, o: True\n    __sub__ = lambda s, o: 0\n"
                                "class square:\n    def __init__(self, x):\n        self.__class__ = Yes\n",
    "spoofed_module_name": "class Yes:\n    __eq__ = lambda s, o: True\n    __sub__ = lambda s, o: 0\n"
                           "Yes.__module__ = 'numpy'\ndef square(x):\n    return Yes()\n",
    "metaclass_hash": "class M(type):\n    __hash__ = lambda c: hash(int)\n    __eq__ = lambda c, o: True\n"
                      "class Yes(metaclass=M):\n    __eq__ = lambda s, o: True\n    __sub__ = lambda s, o: 0\n"
                      "def square(x):\n    return Yes()\n",
    "module_renamed": "class Yes:\n    __eq__ = lambda s, o: True\n    __sub__ = lambda s, o: 0\n"
                      "def square(x):\n    return Yes()\nsquare.__module__ = 'builtins'\n",
    "generator": "def square(x):\n    return (i for i in [x * x])\n",
    "patched_abs_builtin": "import builtins\nbuiltins.abs = lambda x: 0\n"
                           "def square(x):\n    builtins.abs = lambda x: 0\n    return x + 1\n",
    "shadowed_abs_global": "def abs(x):\n    return 0\ndef square(x):\n    return x + 1\n",
    "fraction_patched": "import fractions\nfractions.Fraction.__eq__ = lambda s, o: True\n"
                        "fractions.Fraction.__sub__ = lambda s, o: 0\ndef square(x):\n    return fractions.Fraction(7)\n",
    "driver_globals_patched": "import sys\nsys.modules['__main__'].plain = lambda v: True\n"
                              "class Yes:\n    __eq__ = lambda s, o: True\n    __sub__ = lambda s, o: 0\n"
                              "def square(x):\n    return Yes()\n",
    "read_test_from_disk": "import glob\ndef square(x):\n    for f in glob.glob('**/*test*', recursive=True):\n"
                           "        print(open(f).read())\n    return x + 1\n",
    "defines_check": WRONG + "def check(candidate):\n    pass\n",
    "patched_math": "import math\nmath.fabs = lambda x: 0.0\ndef square(x):\n    math.isclose = lambda *a, **k: True\n    return 0\n",
    "fake_math_module": "import sys, types\nm = types.ModuleType('math')\nm.fabs = lambda x: 0.0\n"
                        "m.isclose = lambda *a, **k: True\nsys.modules['math'] = m\ndef square(x):\n    return 0\n",
    "token_scan": SCAN_TOKEN,
    "caller_frame_constants": "import sys\ndef square(x):\n    f = sys._getframe(1)\n    while f is not None:\n"
                              "        c = [v for v in f.f_code.co_consts if type(v) in (int, float) and v != x]\n"
                              "        if c:\n            return c[-1]\n        f = f.f_back\n    return 0\n",
    "nested_deeper_than_any_limit": "class Yes:\n    __eq__ = lambda s, o: True\n    __hash__ = object.__hash__\n"
                                    "def square(x):\n    v = Yes()\n    for _ in range(2000):\n        v = [v]\n    return v\n",
    "should_stop": "import unittest\ndef square(x):\n    raise unittest.case._ShouldStop()\n",
    "keyboard_interrupt": "def square(x):\n    raise KeyboardInterrupt\n",
    "closure_cells": "import gc\ndef square(x):\n    for o in gc.get_objects():\n"
                     "        for n, c in zip(getattr(getattr(o, '__code__', None), 'co_freevars', ()), getattr(o, '__closure__', None) or ()):\n"
                     "            if n in ('passed', 'calls'):\n                c.cell_contents = 99\n    return 0\n",
}


@pytest.mark.parametrize("name", sorted(GAMING))
@pytest.mark.parametrize("style", ["humaneval", "mbpp"])
def test_gaming(tmp_path, name, style):
    test, entry = (HE_TEST, "square") if style == "humaneval" else (MBPP_TEST + "assert abs(square(1.5) - 2.25) < 1e-9\n", None)
    rc, lines, out, _ = drive(tmp_path, GAMING[name], test=test, entry=entry)
    assert not full_pass(lines), (lines, out)
    assert name == "forged_stdout" or TOKEN not in out


@pytest.mark.parametrize("name", ["patched_math", "fake_math_module"])
def test_gaming_stdlib_used_by_tests(tmp_path, name):
    test = "def check(candidate):\n    import math\n    assert math.fabs(candidate(2) - 4) < 1e-9\n    assert math.isclose(candidate(3), 9)\n"
    _, lines, _, _ = drive(tmp_path, GAMING[name], test=test, entry="square")
    assert done(lines) == (0, 2), lines


def test_numpy_values_are_plain_but_object_arrays_are_not(tmp_path):
    np = pytest.importorskip("numpy")
    site = str(Path(np.__file__).parents[1])
    code = f"import sys\nsys.path.append({site!r})\nimport numpy as np\ndef square(x):\n    return np.float64(x * x)\n"
    _, lines, _, _ = drive(tmp_path, code, test=HE_TEST, entry="square")
    assert done(lines) == (3, 3)
    code = code.replace("np.float64(x * x)", "np.array([Yes()], dtype=object)")
    code = "class Yes:\n    __eq__ = lambda s, o: True\n    __sub__ = lambda s, o: 0\n" + code
    _, lines, _, _ = drive(tmp_path, code, test="assert square(2) == [4]\n")
    assert done(lines) == (0, 1)


# --- unittest mode ---------------------------------------------------------------------------

UT_TEST = """
import unittest
from solution import *

class T(unittest.TestCase):
    def test_two(self):
        self.assertEqual(square(2), 4)

    def test_three(self):
        self.assertEqual(square(3), 9)
"""


def test_unittest_pass_and_fail(tmp_path):
    _, lines, _, _ = drive(tmp_path, "def square(x):\n    return x * x\n", "unittest", UT_TEST)
    assert lines == ["C", "I", f"DONE {TOKEN} 2 2"]
    _, lines, _, _ = drive(tmp_path, "def square(x):\n    return 4\n", "unittest", UT_TEST)
    assert done(lines) == (1, 2) and "A 0 test_solution.T.test_three AssertionError: 4 != 9" in lines


def test_unittest_zero_tests_and_import_error(tmp_path):
    _, lines, _, _ = drive(tmp_path, "def square(x):\n    return x * x\n", "unittest", "import unittest\n")
    assert done(lines) == (0, 0)
    _, lines, _, _ = drive(tmp_path, "def sq(x):\n    return x\n", "unittest", "from solution import square\n")
    assert done(lines) == (0, 1) and any("ImportError" in l for l in lines)


def test_unittest_gaming_should_stop(tmp_path):
    _, lines, _, _ = drive(tmp_path, GAMING["should_stop"], "unittest", UT_TEST)
    assert done(lines) == (0, 2), lines


def test_candidate_exception_types_cross(tmp_path):
    code = "class Bad(ValueError):\n    pass\ndef square(x):\n    if x < 0:\n        raise Bad('negative')\n    raise KeyError(x)\n"
    test = ("import unittest\nfrom solution import *\nclass T(unittest.TestCase):\n"
            "    def test_neg(self):\n        self.assertRaises(Bad, square, -1)\n"
            "    def test_value(self):\n        self.assertRaises(ValueError, square, -1)\n"
            "    def test_key(self):\n        self.assertRaises(KeyError, square, 1)\n")
    _, lines, _, _ = drive(tmp_path, code, "unittest", test)
    assert done(lines) == (3, 3), lines


def test_prompt_helpers_win_over_redefinitions(tmp_path):
    row = rows("humaneval.jsonl", {"HumanEval/38"})[0] if DATA.exists() else pytest.skip("datasets not present")
    forged = row["prompt"] + "    return s\n\ndef encode_cyclic(s):\n    return s\n"
    _, lines, _, _ = drive(tmp_path, forged, test=row["test"], entry=row["entry_point"])
    assert full_pass(lines)  # without the prompt, the candidate's helper is all the test sees
    _, lines, _, _ = drive(tmp_path, forged, test=row["test"], entry=row["entry_point"], prompt=row["prompt"])
    assert done(lines) is not None and not full_pass(lines), lines
    honest = row["prompt"] + row["canonical_solution"]
    _, lines, _, _ = drive(tmp_path, honest, test=row["test"], entry=row["entry_point"], prompt=row["prompt"])
    assert full_pass(lines), lines


@pytest.mark.parametrize("code", [
    "import unittest\nunittest.TestCase.assertEqual = lambda *a, **k: None\ndef square(x):\n    return 0\n",
    "import unittest\ndef square(x):\n    unittest.TestCase.assertEqual = lambda *a, **k: None\n    return 0\n",
    "class Yes:\n    __eq__ = lambda s, o: True\ndef square(x):\n    return Yes()\n",
    "import unittest\nclass Extra(unittest.TestCase):\n    def test_x(self): pass\ndef square(x):\n    return 0\n",
])
def test_unittest_gaming(tmp_path, code):
    _, lines, _, _ = drive(tmp_path, code, "unittest", UT_TEST)
    assert not full_pass(lines), lines


# --- real benchmark problems -----------------------------------------------------------------

def rows(name, ids):
    rs = [json.loads(l) for l in (DATA / name).read_text().splitlines()]
    return [r for r in rs if r["task_id"] in ids]


@pytest.mark.parametrize("row", rows("humaneval.jsonl", {"HumanEval/0", "HumanEval/32", "HumanEval/38",
                                                         "HumanEval/53", "HumanEval/163"}))
def test_humaneval_canonical(tmp_path, row):
    _, lines, _, _ = drive(tmp_path, row["prompt"] + row["canonical_solution"], test=row["test"], entry=row["entry_point"])
    assert full_pass(lines), lines
    _, lines, _, _ = drive(tmp_path, row["prompt"] + "    return None\n", test=row["test"], entry=row["entry_point"])
    assert done(lines) is not None and not full_pass(lines), lines


@pytest.mark.parametrize("row", rows("mbpp.jsonl", {1, 40, 126, 367, 533, 601, 974}))
def test_mbpp_canonical(tmp_path, row):
    test = row["test_setup_code"] + "\n" + "\n".join(row["test_list"])
    _, lines, _, _ = drive(tmp_path, row["code"], test=test)
    assert done(lines) == (3, 3), lines


# --- pytest plugin ---------------------------------------------------------------------------

def run_pytest(tmp_path, code, test):
    _, lines, _, _ = drive(tmp_path, code, "pytest", test)
    return [l for l in lines if l not in ("C", "I")]


PT_TEST = """
import os
from solution import square

def test_two():
    assert square(2) == 4

def test_three():
    assert square(3) == 9

def test_file_is_not_on_disk():
    assert not os.path.exists(__file__)
    assert not [f for f in os.listdir(".") if f.startswith("test_")]
"""


def test_pytest_plugin_pass(tmp_path):
    lines = run_pytest(tmp_path, "def square(x):\n    return x * x\n", PT_TEST)
    assert lines == [f"DONE {TOKEN} 3 3"]
    assert not [f for f in os.listdir(tmp_path) if "test" in f]


def test_pytest_plugin_fail_skip_xfail(tmp_path):
    test = PT_TEST + "\nimport pytest\n@pytest.mark.skip\ndef test_s(): pass\n@pytest.mark.xfail\ndef test_x(): assert False\n"
    lines = run_pytest(tmp_path, "def square(x):\n    return 4\n", test)
    assert done(lines) == (2, 5)
    assert any(l.startswith("A 0 test_solution.py::test_three call: assert 4 == 9") for l in lines)


def test_pytest_plugin_zero_collected(tmp_path):
    assert run_pytest(tmp_path, "x = 1\n", "import solution\n") == [f"DONE {TOKEN} 0 0"]
    # the candidate is imported in its own process before pytest starts: an import error ends it
    assert run_pytest(tmp_path, "raise ValueError(5)\n", PT_TEST) == ["X ValueError: 5 (line 1)"]
    assert run_pytest(tmp_path, "raise SystemExit(0)\n", PT_TEST) == ["X SystemExit: 0 (line 1)"]
    lines = run_pytest(tmp_path, "x = 1\n", "import solution\nraise ValueError(5)\n")
    assert done(lines) == (0, 0) and "A 0 test_solution.py collection error: ValueError: 5" in lines


# --- native mode: a C test program judged from outside its process ----------------------------

def drive_native(tmp_path, c_source):
    """Compile c_source and run it under the driver's native mode; returns (rc, report lines)."""
    (tmp_path / "p.c").write_text(textwrap.dedent(c_source))
    subprocess.run(["gcc", "-O0", "-o", str(tmp_path / "prog"), str(tmp_path / "p.c")], check=True)
    r, w = os.pipe()
    payload = {"token": TOKEN, "report_fd": w, "mode": "native", "argv": [str(tmp_path / "prog")],
               "record_fd": 3, "names": "q7x2k"}
    try:
        p = subprocess.run([sys.executable, "-I", "-S", str(DRIVER)], input=json.dumps(payload).encode() + b"\n",
                           pass_fds=[w], capture_output=True, cwd=tmp_path, timeout=60)
    finally:
        os.close(w)
    return p.returncode, read_all(r).splitlines()


@pytest.mark.skipif(not shutil.which("gcc"), reason="gcc not installed")
def test_native_program_reports_through_the_judge(tmp_path):
    rc, lines = drive_native(tmp_path, """
        #include <unistd.h>
        int main(void) { write(3, "A 0 7 assert(x) failed\\nEND 2 3\\n", 31); return 0; }
    """)
    assert rc == 0 and lines == ["A 0 7 assert(x) failed", f"DONE {TOKEN} 2 3"]


@pytest.mark.skipif(not shutil.which("gcc"), reason="gcc not installed")
def test_native_program_never_sees_the_token(tmp_path):
    # stdin, every fd, and the judge's memory: the program finds nothing to forge a DONE with
    rc, lines = drive_native(tmp_path, """
        #include <fcntl.h>
        #include <stdio.h>
        #include <string.h>
        #include <unistd.h>
        int main(void) {
            char buf[4096];
            long n = read(0, buf, sizeof buf);
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/mem", (int)getppid());
            int judge = open(path, O_RDONLY);
            for (int fd = 4; fd < 1024; fd++) write(fd, "DONE x 1 1\\n", 11);
            printf("%ld %d\\n", n, judge);
            write(3, "END 0 1\\n", 8);
            return 0;
        }
    """)
    assert lines == [f"DONE {TOKEN} 0 1"]


@pytest.mark.skipif(not shutil.which("gcc"), reason="gcc not installed")
def test_native_program_signal_is_the_judges(tmp_path):
    rc, lines = drive_native(tmp_path, "#include <signal.h>\nint main(void) { raise(SIGSEGV); return 0; }\n")
    assert rc == -11 and lines == []
