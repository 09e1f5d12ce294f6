"""Trusted judge for halo-forge's Python samples: the candidate runs in a process of its own.

`python3 -I -S hf_driver.py`, one JSON payload on stdin; one report line per os.write to the
private fd report_fd: W, C, S, X, I, A, DONE <token> <passed> <total>, E, and K <how> when the
candidate's process ended during the tests (`signal N`, `exit N`).

The process forks before it reads anything: the child (the candidate's side) swaps stdin for
/dev/null and closes every other fd but two pipes, so it never holds the payload, the token or
the report fd. The parent (the judge) makes itself non-dumpable, so the candidate (same uid) can
neither ptrace it nor open its /proc/<pid>/mem or fd/. The judge compiles and runs the tests;
the candidate's names are proxies whose calls cross the pipes as plain data (numbers, strings,
bools, None, lists, tuples, dicts, sets and a few stdlib value types), decoded by code that
cannot run any of the candidate's. Anything else comes back as an opaque handle that equals
only itself and has no truth value. Killing the judge yields no verdict; an exception from the
candidate is a failed test whatever its type.
"""
import ast, builtins, json, os, signal, sys, types, warnings

BUILTIN_NAMES = frozenset(builtins.__dict__)
TYPE_NAME = type.__dict__["__name__"].__get__  # a class's real name, past metaclass tricks
TEST_FILE = "<hf-test>"
PROMPT_FILE = "<hf-prompt>"
# the parent splits on any line break, so none may reach it inside a line
ONE_LINE = {c: " " for c in (*range(32), 127, 0x85, 0x2028, 0x2029)}
MAX_MESSAGE = 256 << 20
MAX_DEPTH = 400


# --- the wire: length-prefixed JSON both ways -------------------------------------------------

def send(fd, obj):
    data = json.dumps(obj, separators=(",", ":")).encode()
    data = len(data).to_bytes(8, "little") + data
    while data:
        data = data[os.write(fd, data):]


def read_exact(fd, n):
    parts, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def recv(fd):
    n = int.from_bytes(read_exact(fd, 8), "little")
    if n > MAX_MESSAGE:
        raise ValueError("message too large")
    return json.loads(read_exact(fd, n))


# --- the candidate's side (untrusted once the candidate's module runs) --------------------------

def candidate_main(rfd, wfd):
    sys.set_int_max_str_digits(0)
    req = recv(rfd)
    if req["mode"] == "native_candidate":  # a C++ candidate's own program behind the test's stub
        # The test program's first byte on our pipe: it runs and is not dumpable. Its file goes
        # before any candidate code runs (it holds the tests); a failure here ends the sample.
        if os.read(rfd, 1) != b"G":
            os._exit(127)
        os.unlink(req["test_path"])
        place_fds([rfd, wfd], req["fds"])
        try:
            os.execv(req["argv"][0], req["argv"])
        finally:
            os._exit(127)
    if req["mode"] == "native":  # a C/C++ test program: its report pipe becomes record_fd
        os.close(rfd)
        if wfd != req["record_fd"]:
            os.dup2(wfd, req["record_fd"])  # inheritable, unlike the pipe itself
            os.close(wfd)
        try:
            os.execv(req["argv"][0], req["argv"])
        finally:
            os._exit(127)
    sys.path.extend(req["site_paths"])
    path, mode = req["code_path"], req["mode"]
    objects, ids = {}, {}  # handles the judge holds: the objects stay alive here

    def handle(v):
        key = id(v)
        if key not in ids:
            ids[key] = len(objects)
            objects[len(objects)] = v
        return {"t": "h", "v": ids[key]}

    # stdlib value types by module and name: no import of decimal or fractions on this side
    # (a candidate that never imported them cannot return them; a fake only fools itself)
    named = {("collections", "OrderedDict"): "od", ("collections", "defaultdict"): "d", ("collections", "Counter"): "c",
             ("collections", "deque"): "q", ("decimal", "Decimal"): "D", ("fractions", "Fraction"): "F"}

    def enc(v):
        t = type(v)
        if v is None or t is bool or t is int or t is str or t is float:
            return v
        if t is list:
            return [enc(x) for x in v]
        if t is tuple:
            return {"t": "t", "v": [enc(x) for x in v]}
        if t is set or t is frozenset:
            return {"t": "s" if t is set else "fs", "v": [enc(x) for x in v]}
        if t is dict:
            return {"t": "d", "v": [[enc(k), enc(x)] for k, x in v.items()]}
        if t is bytes or t is bytearray:
            return {"t": "b" if t is bytes else "ba", "v": v.decode("latin-1")}
        if t is complex:
            return {"t": "j", "v": [v.real, v.imag]}
        tag = named.get((getattr(t, "__module__", "").lstrip("_"), TYPE_NAME(t)))
        if tag in ("od", "d", "c"):
            return {"t": tag, "v": [[enc(k), enc(x)] for k, x in v.items()]}
        if tag == "q":
            return {"t": "q", "v": [enc(x) for x in v]}
        if tag == "D":
            return {"t": "D", "v": str(v)}
        if tag == "F":
            return {"t": "F", "v": [v.numerator, v.denominator]}
        if t is range:
            return {"t": "r", "v": [v.start, v.stop, v.step]}
        if t is type and builtins.__dict__.get(TYPE_NAME(v)) is v:
            return {"t": "T", "v": TYPE_NAME(v)}
        if t.__module__ == "re" and TYPE_NAME(t) == "Match":
            return {"t": "M", "v": [v.group(0), list(v.span())]}
        if t.__module__ == "numpy" and hasattr(v, "item") and getattr(v, "shape", None) == ():
            item = v.item()
            if type(item) in (bool, int, float, complex, str, bytes):
                return enc(item)
        return handle(v)

    def fail(e):
        t = type(e)
        kind = "b" if getattr(builtins, TYPE_NAME(t), None) is t else "x"
        if not isinstance(e, Exception):
            kind = "a"
        try:
            msg = str(e)[:500]
        except BaseException:
            msg = "?"
        return {"e": [kind, TYPE_NAME(t), msg]}

    def out(reply):
        for f in (sys.stdout, sys.stderr):  # the candidate's output comes before the judge's lines
            try:
                f.flush()
            except BaseException:
                pass
        try:
            send(wfd, reply)
        except BaseException:
            os._exit(1)

    name = "__main__" if mode == "run" else "solution"
    mod = types.ModuleType(name)
    mod.__file__, mod.__builtins__ = path, builtins
    sys.modules[name] = mod
    try:
        with open(path, "rb") as f:
            code = compile(f.read(), path, "exec", dont_inherit=True)
        exec(code, mod.__dict__)
    except BaseException as e:  # SystemExit too: leaving early is not passing
        try:
            import traceback
            tb = e.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename != path:
                tb = tb.tb_next
            text = "".join(traceback.format_exception(type(e), e, tb, limit=-8, chain=False))
            os.write(2, text.encode("utf-8", "backslashreplace"))
        except BaseException:
            pass
        line, tb = 0, e.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == path:
                line = tb.tb_lineno
            tb = tb.tb_next
        out({"x": fail(e)["e"][1:], "line": line})
        os._exit(1)
    names = {}
    for k, v in list(mod.__dict__.items()):
        try:
            if type(k) is not str or k[:2] == "__":
                continue
            if type(v) is types.ModuleType:
                names[k] = ["m", getattr(v, "__name__", "")]
            elif isinstance(v, type) and issubclass(v, BaseException):
                names[k] = ["e", handle(v)["v"], [TYPE_NAME(c) for c in v.__mro__ if getattr(builtins, TYPE_NAME(c), None) is c]]
            elif callable(v):
                names[k] = ["f", handle(v)["v"]]
            else:
                names[k] = ["v", enc(v)]
        except BaseException:
            continue
    out({"i": names})
    if mode in ("import", "run"):
        os._exit(0)
    while True:
        try:
            req = recv(rfd)
        except BaseException:
            os._exit(0)
        try:
            op, obj = req["op"], objects[req["h"]]
            if op == "call":
                args = [dec_local(a, objects) for a in req["a"]]
                kwargs = {k: dec_local(a, objects) for k, a in req["k"].items()}
                reply = {"r": enc(obj(*args, **kwargs))}
            elif op == "attr":
                reply = {"r": enc(getattr(obj, req["n"]))}
            elif op == "set":
                setattr(obj, req["n"], dec_local(req["v"], objects))
                reply = {"r": None}
            elif op == "iter":
                reply = {"r": handle(iter(obj))}
            elif op == "next":
                try:
                    reply = {"r": enc(next(obj))}
                except StopIteration:
                    reply = {"stop": True}
            else:
                reply = {"e": ["b", "TypeError", f"unknown op {op!r}"]}
        except BaseException as e:
            reply = fail(e)
        out(reply)


def dec_local(x, objects):
    """The judge's arguments on the candidate's side: the judge sends only what it decoded or
    built, so handles name objects this side holds."""
    return decode(x, lambda hid: objects[hid])


# --- decoding: the only way a value enters the judge ---------------------------------------------

def decode(x, make_handle, depth=0):
    """A value from JSON built only of the types listed; fails on anything else or too deep."""
    if depth > MAX_DEPTH:
        raise TypeError("value nested too deep to compare")
    t = type(x)
    if x is None or t is bool or t is int or t is float or t is str:
        return x
    if t is list:
        return [decode(y, make_handle, depth + 1) for y in x]
    if t is not dict or type(x.get("t")) is not str:
        raise TypeError("not a plain value")
    tag, v = x["t"], x.get("v")
    if tag == "h" and type(v) is int:
        return make_handle(v)
    if tag in ("t", "s", "fs", "q") and type(v) is list:
        items = [decode(y, make_handle, depth + 1) for y in v]
        if tag == "q":
            from collections import deque
            return deque(items)
        return {"t": tuple, "s": set, "fs": frozenset}[tag](items)
    if tag in ("d", "od", "c") and type(v) is list:
        from collections import Counter, OrderedDict
        pairs = []
        for kv in v:
            if type(kv) is not list or len(kv) != 2:
                raise TypeError("not a plain value")
            pairs.append((decode(kv[0], make_handle, depth + 1), decode(kv[1], make_handle, depth + 1)))
        return Counter(dict(pairs)) if tag == "c" else (dict if tag == "d" else OrderedDict)(pairs)
    if tag in ("b", "ba") and type(v) is str:
        return (bytes if tag == "b" else bytearray)(v.encode("latin-1"))
    if tag == "j" and type(v) is list and len(v) == 2 and all(type(y) in (int, float) for y in v):
        return complex(v[0], v[1])
    if tag == "D" and type(v) is str:
        from decimal import Decimal
        return Decimal(v)
    if tag == "F" and type(v) is list and len(v) == 2 and all(type(y) is int for y in v) and v[1]:
        from fractions import Fraction
        return Fraction(v[0], v[1])
    if tag == "r" and type(v) is list and len(v) == 3 and all(type(y) is int for y in v) and v[2]:
        return range(*v)
    if tag == "T" and type(v) is str and isinstance(builtins.__dict__.get(v), type):
        return builtins.__dict__[v]  # a builtin class (MBPP passes `int` and `str`): ours, by name
    if tag == "M" and type(v) is list and len(v) == 2 and type(v[0]) is str:
        return MatchResult(v[0], tuple(int(y) for y in v[1]))
    raise TypeError("not a plain value")


def encode(v, depth=0):
    """The judge's arguments for a candidate call: plain values and the candidate's own handles."""
    if depth > MAX_DEPTH:
        raise TypeError("argument nested too deep")
    t = type(v)
    if v is None or t in (bool, int, float, str):
        return v
    if t is list:
        return [encode(x, depth + 1) for x in v]
    if t is Remote:
        return {"t": "h", "v": object.__getattribute__(v, "_hid")}
    from collections import Counter, OrderedDict, defaultdict, deque  # the judge's own: imported already
    Decimal = getattr(sys.modules.get("decimal"), "Decimal", None)  # only if a test imported them
    Fraction = getattr(sys.modules.get("fractions"), "Fraction", None)
    tags = {tuple: "t", set: "s", frozenset: "fs", deque: "q"}
    if t in tags:
        return {"t": tags[t], "v": [encode(x, depth + 1) for x in v]}
    if t in (dict, OrderedDict, defaultdict, Counter):
        tag = "od" if t is OrderedDict else "c" if t is Counter else "d"
        return {"t": tag, "v": [[encode(k, depth + 1), encode(x, depth + 1)] for k, x in v.items()]}
    if t in (bytes, bytearray):
        return {"t": "b" if t is bytes else "ba", "v": v.decode("latin-1")}
    if t is complex:
        return {"t": "j", "v": [v.real, v.imag]}
    if t is Decimal:
        return {"t": "D", "v": str(v)}
    if t is Fraction:
        return {"t": "F", "v": [v.numerator, v.denominator]}
    if t is range:
        return {"t": "r", "v": [v.start, v.stop, v.step]}
    if t is type and builtins.__dict__.get(TYPE_NAME(v)) is v:
        return {"t": "T", "v": TYPE_NAME(v)}
    raise TypeError(f"a {TYPE_NAME(t)} cannot be passed to the candidate's process")


class MatchResult:
    """A regex match the candidate returned: truthy, with its text and span."""
    __slots__ = ("text", "where")

    def __init__(self, text, where):
        self.text, self.where = text, where

    def group(self, i=0):
        if i != 0:
            raise IndexError("only group 0 crosses from the candidate's process")
        return self.text

    def span(self):
        return self.where

    def start(self):
        return self.where[0]

    def end(self):
        return self.where[1]

    def __repr__(self):
        return f"<match {self.where} {self.text!r}>"


class CandidateAbort(BaseException):
    """The candidate raised something that is not an Exception (SystemExit, KeyboardInterrupt,
    unittest's _ShouldStop is one too in spirit) or its process ended: the test fails, and a
    test's `except Exception` cannot swallow it."""


class CandidateError(Exception):
    """An exception of the candidate's own type, or one that could not be rebuilt here."""


class Link:
    """The judge's end of the pipes. Any failure of the candidate's process ends the link."""

    def __init__(self, rfd, wfd, pid):
        self.rfd, self.wfd, self.pid, self.dead, self.ended = rfd, wfd, pid, None, None
        self.exceptions = {}

    def ask(self, req):
        if self.dead:
            raise CandidateAbort(self.dead)
        try:
            send(self.wfd, req)
            reply = recv(self.rfd)
        except (EOFError, OSError, ValueError, RecursionError, MemoryError):
            self.ended = child_status(self.pid, stop=True)
            self.dead = f"the candidate's process ended ({self.ended})"
            raise CandidateAbort(self.dead) from None
        if type(reply) is not dict:
            raise CandidateAbort("bad reply")
        if "stop" in reply:
            raise StopIteration
        if "e" in reply:
            raise self.rebuild(reply["e"])
        try:
            return decode(reply.get("r"), lambda hid: Remote(self, hid))
        except RecursionError:
            raise TypeError("value nested too deep to compare") from None

    def rebuild(self, e):
        if type(e) is not list or len(e) != 3 or not all(type(x) is str for x in e):
            return CandidateAbort("bad reply")
        kind, name, msg = e
        if kind == "a":
            return CandidateAbort(f"{name}: {msg}")
        cls = self.exceptions.get(name) if kind == "x" else BUILTIN_EXCEPTIONS.get(name)
        if cls is not None:
            try:
                return cls(msg)
            except BaseException:
                pass
        return CandidateError(f"{name}: {msg}")


class Remote:
    """An object of the candidate's process: calls, attributes and iteration are forwarded;
    it equals only itself and has no truth value, so it can never satisfy a comparison."""
    __slots__ = ("_link", "_hid")

    def __init__(self, link, hid):
        object.__setattr__(self, "_link", link)
        object.__setattr__(self, "_hid", hid)

    def _ask(self, op, **kw):
        return object.__getattribute__(self, "_link").ask({"op": op, "h": object.__getattribute__(self, "_hid"), **kw})

    def __call__(self, *args, **kwargs):
        return self._ask("call", a=[encode(a) for a in args], k={k: encode(v) for k, v in kwargs.items()})

    def __getattr__(self, name):
        if name[:1] == "_":  # dunders and the probes of pytest and unittest stay here
            raise AttributeError(name)
        return self._ask("attr", n=name)

    def __setattr__(self, name, value):  # MBPP's test setup builds trees of the candidate's nodes
        self._ask("set", n=name, v=encode(value))

    def __iter__(self):
        return self._ask("iter")

    def __next__(self):
        return self._ask("next")

    def __bool__(self):
        raise TypeError("an object of the candidate's has no truth value in a test")

    def __repr__(self):
        return f"<candidate object #{object.__getattribute__(self, '_hid')}>"


BUILTIN_EXCEPTIONS = {k: v for k, v in builtins.__dict__.items()
                      if isinstance(v, type) and issubclass(v, Exception)}


# --- the judge -----------------------------------------------------------------------------------

class Asserts(ast.NodeTransformer):
    """`assert c, m` -> `rec(lambda: c, line, "c")`: every assert is counted, a failing one does
    not stop the test, and the result is judged by the judge, not by bool() alone."""

    def __init__(self, rec):
        self.rec, self.count = rec, 0

    def visit_Assert(self, node):
        self.count += 1
        thunk = ast.Lambda(ast.arguments([], [], None, [], [], None, []), node.test)
        args = [thunk, ast.Constant(node.lineno), ast.Constant(ast.unparse(node.test)[:200])]
        return ast.copy_location(ast.Expr(ast.Call(ast.Name(self.rec, ast.Load()), args, [])), node)


def describe(e):
    try:
        msg = str(e)
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
    """A short traceback on stderr, starting at the first frame of the test."""
    try:
        import traceback  # lazy: only failures pay for it
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename not in files:
            tb = tb.tb_next
        text = "".join(traceback.format_exception(type(e), e, tb, limit=-8, chain=False))
        os.write(2, text.encode("utf-8", "backslashreplace"))
    except BaseException:
        pass


def non_dumpable():
    """No ptrace, no /proc/<pid>/mem or fd/ for processes of the same uid (the candidate)."""
    try:  # _ctypes directly: a tenth of ctypes' import time
        import _ctypes
        prctl = _ctypes.dlsym(_ctypes.dlopen(None), "prctl")
        _ctypes.call_function(prctl, (4, 0, 0, 0, 0))  # PR_SET_DUMPABLE, 0
        dumpable = _ctypes.call_function(prctl, (3, 0, 0, 0, 0))  # PR_GET_DUMPABLE
    except (ImportError, AttributeError, OSError):
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)
        dumpable = libc.prctl(3, 0, 0, 0, 0)
    if dumpable != 0:
        raise OSError("prctl(PR_SET_DUMPABLE, 0) failed")


def place_fds(fds, targets):
    """fds[i] becomes the inheritable fd targets[i]; the originals are closed."""
    temps, extra = [], []
    for fd in fds:
        d = os.dup(fd)
        while d in targets:
            extra.append(d)
            d = os.dup(fd)
        temps.append(d)
    for d in extra:
        os.close(d)
    for fd in fds:
        if fd not in targets:
            os.close(fd)
    for d, target in zip(temps, targets):
        os.dup2(d, target)
        os.close(d)


def start_test_program(p, link):
    """The test program of a forwarded C++ sample, a child of the judge: fd record_fd is its
    record, then the candidate's answers and its calls; nothing else of the judge's is open in
    it. The candidate's side was told to wait for its first byte before starting."""
    send(link.wfd, {"mode": "native_candidate", "argv": p["candidate_argv"], "fds": p["candidate_fds"], "test_path": p["argv"][0]})
    rec_r, rec_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            wanted = [rec_w, link.rfd, link.wfd]
            for n in os.listdir("/proc/self/fd"):  # the report fd among them
                if int(n) > 2 and int(n) not in wanted:
                    try:
                        os.close(int(n))
                    except OSError:
                        pass
            place_fds(wanted, [p["record_fd"], *p["test_fds"]])
            os.execv(p["argv"][0], p["argv"])
        finally:
            os._exit(127)
    os.close(rec_w)
    os.close(link.rfd)
    os.close(link.wfd)
    return pid, rec_r


def judge_native(p, link, report, done, leave):
    """A C/C++ test program runs as the candidate's process: it writes `A …` lines for failed
    asserts and `END <passed> <total>` at its end on its pipe; only the judge holds the token.
    The program's end (exit status or signal) becomes the judge's own, for the sandbox's record."""
    if p.get("candidate_argv"):
        test_pid, record = start_test_program(p, link)
    else:
        send(link.wfd, {"mode": "native", "argv": p["argv"], "record_fd": p["record_fd"]})
        os.close(link.wfd)
        test_pid, record = link.pid, link.rfd
    rest, end, failures = b"", None, 0
    while chunk := os.read(record, 1 << 16):
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()[-4096:]
        for line in lines:
            if line.startswith(b"END "):
                end = line
            elif line.startswith(b"A ") and failures < 50:
                failures += 1
                report(line.decode("utf-8", "backslashreplace"))
    _, status = os.waitpid(test_pid, 0)
    if test_pid != link.pid:  # the candidate's program answers nobody now
        try:
            os.kill(link.pid, signal.SIGKILL)
        except OSError:
            pass
        os.waitpid(link.pid, 0)
    counts = end.split()[1:3] if end is not None else []
    if len(counts) == 2 and all(c.isdigit() and len(c) < 19 for c in counts):
        report(f"DONE {p['token']} {int(counts[0])} {int(counts[1])}")
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except BaseException:
            pass
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def judge(p, link, report, done, leave):
    if p["mode"] == "native":
        judge_native(p, link, report, done, leave)
    mode, path, entry, names = p["mode"], p["code_path"], p.get("entry_point"), p["names"]
    if mode not in ("import", "run", "tests", "unittest", "pytest") or not (names.isascii() and names.isalnum()):
        raise ValueError(f"bad mode {mode!r} or names {names!r}")
    sys.path.extend(p.get("site_paths") or [])
    SITE_PATHS.extend(p.get("site_paths") or [])
    with open(path, "rb") as f:
        source = f.read()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            compile(source, path, "exec", dont_inherit=True)
            err = None
        except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as e:
            err = e
    del source
    for w in caught:
        report(f"W {TYPE_NAME(w.category)}: {w.message} (line {w.lineno})")
    if err is not None:
        line = getattr(err, "lineno", None)
        leave(0, f"S {TYPE_NAME(type(err))}: {getattr(err, 'msg', err)}" + (f" (line {line})" if line else ""))
    report("C")

    rec_name = f"__hf_assert_{names}__"  # trailing __: not name-mangled inside class bodies
    rewrite = Asserts(rec_name)
    test_code = called = None
    if mode in ("tests", "unittest"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the test's warnings are not the candidate's
            tree = ast.parse(p["test"], TEST_FILE)
            called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            tree = ast.fix_missing_locations(rewrite.visit(tree)) if mode == "tests" else tree
            test_code = compile(tree, TEST_FILE, "exec", dont_inherit=True)
    if mode == "pytest":
        import pytest  # noqa: F401  # before the candidate runs: nothing of its process can reach this one anyway
        import hf_pytest_plugin  # noqa: F401

    # The candidate's side gets only what it needs to import the module.
    send(link.wfd, {"mode": mode, "code_path": path, "site_paths": p.get("site_paths") or []})
    try:
        first = recv(link.rfd)
    except (EOFError, OSError, ValueError, RecursionError, MemoryError) as e:
        status = child_status(link.pid, stop=not isinstance(e, EOFError))
        leave(1, f"X the candidate's process ended while importing ({status})")
    if type(first) is not dict or not ("x" in first or type(first.get("i")) is dict):
        leave(1, "X the candidate's process sent a bad reply while importing")
    if "x" in first:
        try:
            (name, msg), line = first["x"], int(first.get("line") or 0)
        except (TypeError, ValueError):
            name, msg, line = "?", "", 0
        leave(1, f"X {name}" + (f": {msg[:200]}" if msg else "") + (f" (line {line})" if line else ""))
    report("I")
    if mode in ("import", "run"):
        status = child_status(link.pid)
        if mode == "run" and status != "exit 0":
            leave(1, f"X the program ended: {status}")
        done(0, 0)

    listing = first["i"]
    mine = (called or set()) & listing.keys()
    keep = {entry} if entry else (mine if mine <= BUILTIN_NAMES else set())
    ns = namespace(listing, keep, link)
    prompt = p.get("prompt")
    if prompt and entry and mode == "tests" and helpers(prompt, entry):
        # The helpers a prompt defines are the dataset's, not whatever the candidate redefined.
        try:
            exec(compile(prompt, PROMPT_FILE, "exec", dont_inherit=True), ns)
        except BaseException as e:
            report(f"A 0 0 the prompt's helpers failed: {describe(e)}")
        if entry in listing and listing[entry][0] == "f":
            ns[entry] = Remote(link, listing[entry][1])
        else:
            ns.pop(entry, None)
    pristine = dict(builtins.__dict__)
    if mode == "unittest":
        run_unittest(ns, path, test_code, pristine, report, done)
    if mode == "pytest":
        run_pytest(ns, path, p["test"], p["harness_dir"], report, done)

    calls = passed = 0

    def rec(thunk, line, src):  # the counters live here, out of the candidate's reach
        nonlocal calls, passed
        calls += 1
        why = ""
        try:
            ok = bool(thunk())  # a Remote has no truth value: raises, fails
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
        calls += 1
        report(f"A 0 {line_in(e, TEST_FILE)} {what} {describe(e)}")
        print_tb(e, {TEST_FILE})
    done(passed, max(rewrite.count, calls))


def helpers(prompt, entry):
    """Whether the prompt defines anything besides the entry point (most define nothing else:
    then running it in the judge would only cost its imports)."""
    try:
        tree = ast.parse(prompt, PROMPT_FILE)
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign)) and getattr(n, "name", None) != entry
               for n in tree.body)


def child_status(pid, stop=False):
    try:
        if stop:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    except OSError:
        return "unknown status"
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit {os.waitstatus_to_exitcode(status)}"


def namespace(listing, keep, link):
    """The candidate's names as the tests see them: proxies, plain values, the judge's own copy
    of each module; builtins not shadowed (a candidate `abs = lambda x: 0` would pass
    `abs(f(x) - y) < 1e-6`) except the names in keep (MBPP 126 tests a function called `sum`)."""
    import importlib
    ns = {}
    for k, item in listing.items():
        if type(k) is not str or k[:2] == "__" or (k in BUILTIN_NAMES and k not in keep):
            continue
        if type(item) is not list or len(item) != 2 + (item[:1] == ["e"]):
            continue
        kind, v = item[0], item[1]
        try:
            if kind == "f" and type(v) is int:
                ns[k] = Remote(link, v)
            elif kind == "e" and type(v) is int:
                # the candidate's exception class: a fresh class of the same name and builtin base
                bases = [BUILTIN_EXCEPTIONS[b] for b in item[2] if b in BUILTIN_EXCEPTIONS][:1] or [CandidateError]
                ns[k] = link.exceptions[k] = type(k, (bases[0],), {})
            elif kind == "v":
                ns[k] = decode(v, lambda hid: Remote(link, hid))
            elif kind == "m" and type(v) is str and v and importable(v):
                ns[k] = importlib.import_module(v)  # the judge's own copy, never the candidate's
        except BaseException:
            continue
    return ns


# stdlib modules whose import does something (opens a browser, prints, starts a GUI)
NO_IMPORT = frozenset({"antigravity", "this", "turtle", "turtledemo", "tkinter", "idlelib", "webbrowser", "pydoc", "__hello__", "__phello__"})


def importable(name):
    """A module the candidate imported that the judge may import too: one it has already,
    the standard library's, or an installed package's (never a file of the candidate's)."""
    if name in sys.modules:
        return True
    top = name.partition(".")[0]
    if top in NO_IMPORT:
        return False
    return top in sys.stdlib_module_names or any(
        os.path.exists(os.path.join(site, top)) or os.path.exists(os.path.join(site, top + ".py")) for site in SITE_PATHS)


SITE_PATHS = []


def run_unittest(ns, path, test_code, pristine, report, done):
    import unittest
    view = types.ModuleType("solution")  # what `from solution import *` gets: the proxies
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
        report(f"A 0 test_solution test raised {describe(e)}")
        print_tb(e, {TEST_FILE})
        done(0, max(total, 1))
    for test, err in result.failures + result.errors:
        lines = [s for s in err.splitlines() if s.strip()] or ["?"]
        report(f"A 0 {test.id()} {lines[-1][:200]}")  # the last line names the exception
    bad = (len(result.failures) + len(result.errors) + len(result.skipped)
           + len(result.expectedFailures) + len(result.unexpectedSuccesses))
    done(max(0, result.testsRun - bad), max(total, result.testsRun))


def run_pytest(ns, path, test, harness_dir, report, done):
    import hf_pytest_plugin
    view = types.ModuleType("solution")
    view.__dict__.update(ns)
    view.__file__ = path
    sys.modules["solution"] = view
    passed, total = hf_pytest_plugin.run(test, harness_dir, report)
    done(passed, total)


def main():
    write, exit_ = os.write, os._exit
    # Fork before reading anything: the candidate's side never holds the payload or the token.
    j2c_r, j2c_w = os.pipe()
    c2j_r, c2j_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(j2c_w)
            os.close(c2j_r)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            # every other fd, the report fd among them (it may lie above RLIMIT_NOFILE)
            for n in os.listdir("/proc/self/fd"):
                if int(n) > 2 and int(n) not in (j2c_r, c2j_w):
                    try:
                        os.close(int(n))
                    except OSError:
                        pass
            lo, hi = sorted((j2c_r, c2j_w))
            os.closerange(3, lo)
            os.closerange(lo + 1, hi)
            os.closerange(hi + 1, max(os.sysconf("SC_OPEN_MAX"), 4096))
            candidate_main(j2c_r, c2j_w)
        except BaseException:
            pass
        exit_(1)
    os.close(j2c_r)
    os.close(c2j_w)
    fd = 2
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a signal from the candidate ends the judge
        non_dumpable()
        data = b""
        # One JSON line: a newline, not end-of-file, ends it, so a stray copy of the
        # pipe's write end elsewhere can never stall us.
        while not data.endswith(b"\n") and (chunk := os.read(0, 1 << 16)):
            data += chunk
        p = json.loads(data)
        fd = p["report_fd"]
        token = p.pop("token") if p["mode"] != "native" else p["token"]
        sys.set_int_max_str_digits(0)
        sys.dont_write_bytecode = True  # the harness folder stays as installed
        if p.get("harness_dir"):
            sys.path.insert(0, p["harness_dir"])

        def report(line):
            write(fd, line.translate(ONE_LINE)[:1000].encode("utf-8", "backslashreplace") + b"\n")

        def leave(status, last):
            for f in (sys.stdout, sys.stderr):
                try:
                    f.flush()
                except BaseException:
                    pass
            report(last)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            exit_(status)

        link = Link(c2j_r, j2c_w, pid)

        def done(passed, total):
            if link.ended:  # a crash or a time limit in the candidate's process ends the sample there
                leave(0, f"K {link.ended}")
            leave(0, f"DONE {token} {passed} {total}")

        judge(p, link, report, done, leave)
    except BaseException as e:  # only judge bugs get here: candidate errors are handled in judge()
        write(fd, f"E {describe(e)}".translate(ONE_LINE)[:1000].encode("utf-8", "backslashreplace") + b"\n")
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        exit_(3)


if __name__ == "__main__":
    main()
