import json
import os
import subprocess
import sys

import pytest

PY_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PY_DIR)
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never touch the network
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from halo_forge_worker.worker import Worker  # noqa: E402


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    """The tiny model and tokenizer, built once by the worker's own init_tiny."""
    path = str(tmp_path_factory.mktemp("models") / "tiny")
    Worker(lambda m: None).handle(0, "init_tiny", {"path": path})
    return path


@pytest.fixture
def worker(tiny_dir):
    """An in-process worker with the tiny model loaded; its messages land in worker.sent."""
    sent = []
    w = Worker(sent.append)
    w.sent = sent
    w.handle(0, "load", {"model": tiny_dir})
    return w


class Proc:
    """The worker as Swift runs it: a child process speaking JSON lines."""

    def __init__(self):
        env = dict(os.environ, PYTHONPATH=PY_DIR)
        self.p = subprocess.Popen([sys.executable, "-m", "halo_forge_worker"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd="/")
        self.lines = []  # every stdout line, raw: each must be a JSON object

    def read(self):
        line = self.p.stdout.readline()
        assert line, "worker closed stdout"
        self.lines.append(line)
        return json.loads(line)

    def send_raw(self, text):
        self.p.stdin.write(text + "\n")
        self.p.stdin.flush()

    def call(self, rid, op, args=None):
        """-> (response, progress events seen before it)."""
        self.send_raw(json.dumps({"id": rid, "op": op, "args": args or {}}))
        progress = []
        while True:
            msg = self.read()
            if msg.get("event") == "progress":
                assert msg["id"] == rid
                progress.append(msg["data"])
            else:
                assert msg["id"] == rid
                return msg, progress

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()


@pytest.fixture(scope="module")
def proc():
    p = Proc()
    yield p
    p.close()
