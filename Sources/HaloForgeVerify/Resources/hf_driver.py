"""Trusted driver for halo-forge: compiles, runs and tests one candidate program in this process.

`python3 -I -S hf_driver.py`, one JSON payload on stdin; one report line per os.write to the
private fd report_fd: W, C, S, X, I, A, DONE <token> <passed> <total>, E. The candidate is
hostile (exits early, patches builtins, prints fake results, returns objects whose __eq__ is
always True), so: the token lives only in function locals, patched stdlib state is put back
after each call into candidate code, tests only see plain values from candidate functions, and
the driver leaves with os._exit, so atexit hooks and the candidate's exit status never count.
"""
import ast, builtins, functools, json, math, operator, os, re, sys, types, warnings
from collections import Counter, OrderedDict, defaultdict, deque
from decimal import Decimal
from fractions import Fraction

HEAP = 1 << 9  # Py_TPFLAGS_HEAPTYPE: set on classes made by Python code, unset on C types
TYPE_NAME = type.__dict__["__name__"].__get__  # a class's real name, past metaclass tricks
# ids, not the types: `t in {types}` would call a hostile metaclass's __hash__/__eq__
# re.Match: a final C type compared by identity (MBPP-sanitized references return one to be truth-tested)
LEAF = frozenset(map(id, (bool, int, float, complex, str, bytes, type(None), range, Decimal, type(re.match("", "")))))
SEQ = frozenset(map(id, (list, tuple, set, frozenset, deque)))
MAP = frozenset(map(id, (dict, OrderedDict, defaultdict, Counter)))
BUILTIN_NAMES = frozenset(builtins.__dict__)
# dunders a record-like class may define and still compare by identity (MBPP 601 builds Pair objects)
RECORD_OK = frozenset({"__init__", "__module__", "__qualname__", "__doc__", "__dict__",
                       "__weakref__", "__slots__", "__annotations__", "__repr__", "__str__"})
TEST_FILE = "<hf-test>"
# the parent splits on any line break, so none may reach it inside a line
ONE_LINE = {c: " " for c in (*range(32), 127, 0x85, 0x2028, 0x2029)}


def plain(v):
    """True if v is made only of builtin values whose comparisons the candidate cannot fake."""
    todo, budget = [(v, 0)], 100_000
    while todo:
        x, depth = todo.pop()
        t = type(x)
        if id(t) in LEAF or depth > 50:  # past the depth limit: trust (expected values are shallow)
            continue
        if id(t) in SEQ or id(t) in MAP:
            budget -= len(x)
            if budget < 0:
                return True  # too big to scan quickly: trust it (speed)
            items = x.items() if id(t) in MAP else x  # Counter's methods are pinned, see pins()
            todo += [(y, depth + 1) for y in items]
        elif t is Fraction:  # its methods are pinned; its two slots could still hold anything
            todo += [(x._numerator, depth + 1), (x._denominator, depth + 1)]
        elif type(t) is type and not t.__flags__ & HEAP and t.__module__ == "numpy":
            if getattr(x, "dtype", None) is not None and x.dtype.kind == "O":
                return False  # object arrays compare with their elements' __eq__
        else:
            return False
    return True


def record_class(cls):
    """True for a plain record class (MBPP's Pair, Node): instances compare by identity."""
    for c in cls.__mro__:
        if c is object:
            continue
        if type(c) is not type or not c.__flags__ & HEAP:
            return False
        if any(type(k) is not str or (k[:2] == "__" and k not in RECORD_OK) for k in vars(c)):
            return False
    return True


def pins(extra=()):
    """Snapshots of the state a candidate could patch to fool the checks (builtins, math,
    sys.modules, this module, the classes plain() trusts, unittest in that mode)."""
    out = []
    for o in (sys.modules, builtins.__dict__, globals(), math.__dict__, Counter, *Fraction.__mro__, *extra):
        if type(o) is dict:
            out.append((o, o.__setitem__, tuple(o), tuple(o.values())))
        elif o.__flags__ & HEAP:
            out.append((vars(o), functools.partial(setattr, o), tuple(vars(o)), tuple(vars(o).values())))
    return out


def restorer(snapshots):
    miss, len_, all_, map_, zip_, is_ = object(), len, all, map, zip, operator.is_

    def restore():  # only locals: any global may be the patched thing
        for d, put, keys, values in snapshots:
            # fast path in C: a dict keeps its order, so same values in place = nothing changed
            if len_(d) >= len_(values) and all_(map_(is_, d.values(), values)):
                continue
            for k, v in zip_(keys, values):
                if d.get(k, miss) is not v:
                    put(k, v)
    return restore


def guard(fn, cls, restore):
    """Wrap a candidate callable for the tests: its result must be plain (or an exact cls)."""
    def call(*args, **kwargs):
        try:
            r = fn(*args, **kwargs)
        finally:
            restore()
        if type(r) is not cls and not plain(r):
            raise TypeError(f"result of type {TYPE_NAME(type(r))} is not a plain value")
        return r
    if type(fn) is types.FunctionType:
        functools.update_wrapper(call, fn)
    return call


def test_namespace(ns, keep, restore):
    """The candidate's names as the tests see them: callables guarded, plain values copied,
    builtins not shadowed (a candidate `abs = lambda x: 0` would pass `abs(f(x) - y) < 1e-6`)
    except the names in keep (MBPP 126 tests a function called `sum`)."""
    out = {}
    for k, v in list(ns.items()):
        if type(k) is not str or k[:2] == "__" or (k in BUILTIN_NAMES and k not in keep):
            continue
        if type(v) is types.ModuleType:
            if sys.modules.get(vars(v).get("__name__")) is v:
                out[k] = v
        elif type(v) is type:
            out[k] = guard(v, v if record_class(v) else None, restore)
        elif callable(v):
            out[k] = guard(v, None, restore)
        elif plain(v):
            out[k] = v
    restore()
    return out


class Asserts(ast.NodeTransformer):
    """`assert c, m` -> `rec(lambda: c, line, "c")`: every assert is counted, a failing one does
    not stop the test, and the result is judged by the driver, not by bool() alone."""

    def __init__(self, rec):
        self.rec, self.count = rec, 0

    def visit_Assert(self, node):
        self.count += 1
        thunk = ast.Lambda(ast.arguments([], [], None, [], [], None, []), node.test)
        args = [thunk, ast.Constant(node.lineno), ast.Constant(ast.unparse(node.test)[:200])]
        return ast.copy_location(ast.Expr(ast.Call(ast.Name(self.rec, ast.Load()), args, [])), node)


def describe(e):
    try:
        msg = str(e)  # may run candidate code: callers are on a failure path already
    except BaseException:
        msg = "?"
    return TYPE_NAME(type(e)) + (": " + msg[:200] if msg else "")


def line_in(e, filename):
    """Innermost line of the traceback that lies in filename (0 if none)."""
    tb, line = e.__traceback__, 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def print_tb(e, files):
    """A short traceback on stderr, starting at the first frame of the candidate or the test."""
    try:
        import traceback  # lazy: only failures pay for it
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename not in files:
            tb = tb.tb_next
        text = "".join(traceback.format_exception(type(e), e, tb, limit=-8, chain=False))
        os.write(2, text.encode("utf-8", "backslashreplace"))
    except BaseException:
        pass


def hide(token):
    """The token as two random-looking byte strings: a candidate scanning frames for a 32-hex
    string finds nothing (a candidate that reads this file can still dig it out)."""
    key = os.urandom(len(token))
    return bytes(a ^ b for a, b in zip(token.encode(), key)), key


def run(p, masked, key, fd):
    write, exit_, fstat = os.write, os._exit, os.fstat  # before the candidate can patch os
    fd_id = fstat(fd).st_ino, fstat(fd).st_dev

    def report(line):
        write(fd, line.translate(ONE_LINE)[:1000].encode("utf-8", "backslashreplace") + b"\n")

    def leave(status, last):  # never a normal exit: the candidate's atexit hooks must not run
        for f in (sys.stdout, sys.stderr):  # the candidate's output comes before our last line
            try:
                f.flush()
            except BaseException:
                pass
        if (fstat(fd).st_ino, fstat(fd).st_dev) == fd_id:  # the candidate did not swap the fd
            report(last)
        exit_(status)

    def done(passed, total):
        leave(0, f"DONE {bytes(a ^ b for a, b in zip(masked, key)).decode()} {passed} {total}")

    mode, path, entry, names = p["mode"], p["code_path"], p.get("entry_point"), p["names"]
    if mode not in ("import", "run", "tests", "unittest") or not (names.isascii() and names.isalnum()):
        raise ValueError(f"bad mode {mode!r} or names {names!r}")
    sys.path.extend(p.get("site_paths") or [])
    with open(path, "rb") as f:
        source = f.read()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code, err = compile(source, path, "exec", dont_inherit=True), None
        except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as e:
            code, err = None, e
    for w in caught:
        report(f"W {TYPE_NAME(w.category)}: {w.message} (line {w.lineno})")
    if err is not None:
        line = getattr(err, "lineno", None)
        leave(0, f"S {TYPE_NAME(type(err))}: {getattr(err, 'msg', err)}" + (f" (line {line})" if line else ""))
    report("C")

    # Compile the test before the candidate runs and drop its text: less for the candidate to find.
    rec_name = f"__hf_assert_{names}__"  # trailing __: not name-mangled inside class bodies
    rewrite, extra = Asserts(rec_name), []
    if mode in ("tests", "unittest"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the test's warnings are not the candidate's
            tree = ast.parse(p.pop("test"), TEST_FILE)
            called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            tree = ast.fix_missing_locations(rewrite.visit(tree)) if mode == "tests" else tree
            test_code = compile(tree, TEST_FILE, "exec", dont_inherit=True)
        del tree
    if mode == "unittest":
        import unittest  # before the candidate, so that its classes can be pinned
        mods = [m for k, m in list(sys.modules.items()) if k.split(".")[0] == "unittest"]
        extra = [vars(m) for m in mods] + [c for m in mods for c in vars(m).values()
                                           if type(c) is type and c.__module__.startswith("unittest")]
    restore = restorer(pins(extra))

    name = "__main__" if mode == "run" else "solution"
    mod = types.ModuleType(name)
    mod.__file__, mod.__builtins__ = path, builtins
    sys.modules[name] = mod
    try:
        exec(code, mod.__dict__)
    except BaseException as e:  # SystemExit too: leaving early is not passing
        restore()
        print_tb(e, {path})
        leave(1, f"X {describe(e)}" + (f" (line {line_in(e, path)})" if line_in(e, path) else ""))
    restore()
    report("I")
    if mode in ("import", "run"):
        done(0, 0)

    mine = called & mod.__dict__.keys()
    keep = {entry} if entry else (mine if mine <= BUILTIN_NAMES else set())
    ns = test_namespace(mod.__dict__, keep, restore)
    pristine = {k: v for k, v in builtins.__dict__.items() if k in BUILTIN_NAMES}
    if mode == "unittest":
        run_unittest(ns, path, test_code, pristine, restore, report, done)

    calls = passed = 0

    def rec(thunk, line, src):  # counters live here, out of the tests' reach
        nonlocal calls, passed
        calls += 1
        why = ""
        try:
            try:
                r = thunk()
            finally:
                restore()
            ok = plain(r) and bool(r)
        except BaseException as e:
            ok, why = False, f" ({TYPE_NAME(type(e))})"
        if ok:
            passed += 1
        elif calls - passed <= 50:  # enough to debug; a loop of 1000 failures would flood
            report(f"A 0 {line} {src}{why}")

    target = ns.get(entry) if entry else None
    ns.update({"__name__": "__main__", "__builtins__": pristine, rec_name: rec})
    what = "test raised"
    try:
        exec(test_code, ns)
        if entry:
            what = "check raised"
            if target is None:
                raise NameError(f"entry point {entry!r} is not defined")
            ns["check"](target)
    except BaseException as e:  # counts as one more failed check
        restore()
        calls += 1
        report(f"A 0 {line_in(e, TEST_FILE)} {what} {describe(e)}")
        print_tb(e, {path, TEST_FILE})
    restore()
    done(passed, max(rewrite.count, calls))


def run_unittest(ns, path, test_code, pristine, restore, report, done):
    import unittest
    view = types.ModuleType("solution")  # what `from solution import *` gets: guarded names
    view.__dict__.update(ns)
    view.__file__ = path
    tmod = types.ModuleType("test_solution")
    tmod.__builtins__ = pristine
    sys.modules.update(solution=view, test_solution=tmod)
    total = 0
    try:
        exec(test_code, tmod.__dict__)
        suite = unittest.defaultTestLoader.loadTestsFromModule(tmod)
        total = suite.countTestCases()
        result = unittest.TestResult()
        suite.run(result)
    except BaseException as e:
        restore()
        report(f"A 0 test_solution test raised {describe(e)}")
        print_tb(e, {path, TEST_FILE})
        done(0, max(total, 1))
    restore()
    for test, err in result.failures + result.errors:
        lines = [s for s in err.splitlines() if s.strip()] or ["?"]
        report(f"A 0 {test.id()} {lines[-1][:200]}")  # the last line names the exception
    bad = (len(result.failures) + len(result.errors) + len(result.skipped)
           + len(result.expectedFailures) + len(result.unexpectedSuccesses))
    done(max(0, result.testsRun - bad), max(total, result.testsRun))


def main():
    write, exit_, fd = os.write, os._exit, 2
    try:
        data = b""
        # One JSON line: a newline, not end-of-file, ends it, so a stray copy of the
        # pipe's write end elsewhere can never stall us.
        while not data.endswith(b"\n") and (chunk := os.read(0, 1 << 16)):
            data += chunk
        null = os.open(os.devnull, os.O_RDONLY)  # the candidate must not read the payload
        os.dup2(null, 0)
        os.close(null)
        p = json.loads(data)
        del data
        fd = p["report_fd"]
        run(p, *hide(p.pop("token")), fd)
    except BaseException as e:  # only driver bugs get here: candidate errors are handled in run()
        write(fd, f"E {describe(e)}".translate(ONE_LINE)[:1000].encode("utf-8", "backslashreplace") + b"\n")
        exit_(3)


if __name__ == "__main__":
    main()
