"""pytest plugin for halo-forge: counts test outcomes and reports them on a private fd.

Loaded with `-p hf_pytest_plugin`; env HF_PAYLOAD_FD names an inherited pipe carrying the JSON
payload (token, report_fd). Report lines: `A 0 <nodeid> <msg>` per failure, then
`DONE <token> <passed> <total>`. The token and counters live in closures, not module globals.
"""
import json, os, sys, types

import pytest


def pytest_configure(config):
    fd = int(os.environ.pop("HF_PAYLOAD_FD"))
    data = b""
    while chunk := os.read(fd, 1 << 16):
        data += chunk
    os.close(fd)  # read once, then gone: the candidate cannot read it
    p = json.loads(data)
    sys.dont_write_bytecode = True  # no rewritten test .pyc left behind for the candidate to read
    config.pluginmanager.register(reporter(p["token"], p["report_fd"], os.write), "hf_reporter")


def short(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    lines = [s for s in text.splitlines() if s.strip()] or [report.outcome]
    return (lines[0] if crash is not None else lines[-1])[:200]


def reporter(token, fd, write):
    ids, ok, bad = set(), set(), set()
    hooks = types.ModuleType("hf_reporter")  # pluggy takes hooks from any module-like object

    def send(line):
        line = " ".join(line.splitlines())[:1000]
        write(fd, line.encode("utf-8", "backslashreplace") + b"\n")

    def pytest_collectreport(report):
        if report.failed:
            send(f"A 0 {report.nodeid or '<collect>'} collection error: {short(report)}")

    def pytest_collection_finish(session):
        ids.update(item.nodeid for item in session.items)
        # the tests are loaded: delete their files before any test runs candidate code
        paths = {str(item.path) for item in session.items}
        paths |= {os.path.abspath(a) for a in session.config.args if os.path.isfile(a)}
        for path in paths:
            folder, name = os.path.split(path)
            cache = os.path.join(folder, "__pycache__")
            olds = [os.path.join(cache, f) for f in (os.listdir(cache) if os.path.isdir(cache) else [])
                    if f.startswith(name[:-3] + ".")]
            for f in [path, *olds]:
                try:
                    os.remove(f)
                except OSError:
                    pass

    def pytest_runtest_logreport(report):
        if report.nodeid not in ids:
            return
        if report.failed:
            bad.add(report.nodeid)
            send(f"A 0 {report.nodeid} {report.when}: {short(report)}")
        elif report.when == "call" and report.passed and not hasattr(report, "wasxfail"):
            ok.add(report.nodeid)  # skipped, xfail and xpass never count as passed

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(session):
        send(f"DONE {token} {len(ok - bad)} {len(ids)}")

    for f in (pytest_collectreport, pytest_collection_finish, pytest_runtest_logreport, pytest_sessionfinish):
        setattr(hooks, f.__name__, f)
    return hooks
