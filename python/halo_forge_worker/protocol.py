"""JSON lines in on stdin, JSON lines out on the real stdout, logs on stderr."""
import json
import math
import os
import sys


class BadRequest(Exception):
    """The request itself is wrong (not JSON, unknown op, missing or unknown arg)."""


class Channel:
    def __init__(self):
        # Keep the real stdout for protocol messages only, and point fd 1 and sys.stdout at stderr
        # so that a stray print or a C library writing to fd 1 cannot corrupt the stream.
        fd = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self.out = os.fdopen(fd, "w", encoding="utf-8")
        self.inp = sys.stdin

    def send(self, msg):
        self.out.write(json.dumps(finite(msg)) + "\n")
        self.out.flush()

    def read(self):
        """The next request line, or None at end of input."""
        line = self.inp.readline()
        return line if line else None


def finite(x):
    """JSON has no NaN or Infinity: send null instead (a diverged loss must not break the stream)."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [finite(v) for v in x]
    return x


def parse_request(line):
    """-> (id, op, args). Raises BadRequest; the id is attached to it when one could be read."""
    try:
        msg = json.loads(line)
    except json.JSONDecodeError as e:
        raise BadRequest(f"not JSON: {e}") from None
    if not isinstance(msg, dict):
        raise BadRequest("a request is a JSON object")
    rid = msg.get("id")
    err = None
    if not isinstance(rid, int) or isinstance(rid, bool):
        err = "id must be an integer"
    elif not isinstance(msg.get("op"), str):
        err = "op must be a string"
    elif not isinstance(msg.get("args", {}), dict):
        err = "args must be an object"
    if err:
        e = BadRequest(err)
        e.id = rid if isinstance(rid, int) else None
        raise e
    return rid, msg["op"], msg.get("args") or {}


def error(rid, exc):
    kind = "bad_request" if isinstance(exc, BadRequest) else type(exc).__name__
    message = " ".join(str(exc).split()) or kind  # one line
    return {"id": rid, "ok": False, "error": {"type": kind, "message": message}}
