"""python -m halo_forge_worker: say hello, then answer requests one at a time until shutdown or EOF."""
import os
import sys
import threading
import time
import traceback

from .protocol import Channel, BadRequest, error, parse_request


def exit_with_parent(interval=1.0):
    """A worker whose orchestrator died (kill -9, a crash) stops at once rather than after its
    current op: a long generation or training step would hold the CPU or the GPU's memory that
    the resumed run needs. A reparented worker is an orphan."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main():
    exit_with_parent()
    chan = Channel()  # first, so that anything printed while importing torch goes to stderr
    from .worker import Worker

    worker = Worker(chan.send)
    chan.send(worker.hello())
    while (line := chan.read()) is not None:
        if not line.strip():
            continue
        rid, op = None, None
        try:
            rid, op, args = parse_request(line)
            result = worker.handle(rid, op, args)
            chan.send({"id": rid, "ok": True, "result": result})
        except Exception as e:
            if isinstance(e, BadRequest):
                rid = getattr(e, "id", rid)
            else:
                traceback.print_exc(file=sys.stderr)
            chan.send(error(rid, e))
        if op == "shutdown":
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
