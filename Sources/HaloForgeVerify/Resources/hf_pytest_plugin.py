"""pytest inside halo-forge's judge: runs a sample's pytest file from memory and counts outcomes.

The judge (hf_driver.py) has already put a proxy module `solution` in sys.modules whose calls go
to the candidate's process. The test's source never touches the disk: pytest collects a stub
path in the (read-only) harness folder and this plugin hands it the module built from memory.
No conftest, no ini file and no plugin of the candidate's folder is read.
"""
import ast, linecache, os, sys, types

import pytest
from _pytest.assertion.rewrite import rewrite_asserts
from _pytest.python import Module


def short(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    lines = [s for s in text.splitlines() if s.strip()] or [report.outcome]
    return (lines[0] if crash is not None else lines[-1])[:200]


def run(test, harness_dir, report):
    """Runs the test source; returns (passed, total). `report` writes one report line."""
    stub = os.path.join(harness_dir, "test_solution.py")
    ids, ok, bad = set(), set(), set()

    class MemoryModule(Module):
        def _getobj(self):
            source = test.encode("utf-8")
            # tracebacks read the source by file name: from memory (mtime None: never re-read)
            linecache.cache[stub] = (len(test), None, test.splitlines(True), stub)
            tree = ast.parse(source, stub)
            rewrite_asserts(tree, source, stub, self.config)
            mod = types.ModuleType("test_solution")
            mod.__file__ = os.path.join(os.getcwd(), "test_solution.py")  # where a test expects it; absent
            sys.modules["test_solution"] = mod
            exec(compile(tree, stub, "exec", dont_inherit=True), mod.__dict__)
            self.config.pluginmanager.consider_module(mod)
            return mod

    class Judge:
        @pytest.hookimpl(tryfirst=True)
        def pytest_pycollect_makemodule(self, module_path, parent):
            if str(module_path) == stub:
                return MemoryModule.from_parent(parent, path=module_path)
            return None

        def pytest_collectreport(self, report: pytest.CollectReport):
            if report.failed:
                send(f"A 0 {report.nodeid or '<collect>'} collection error: {short(report)}")

        def pytest_collection_finish(self, session):
            ids.update(item.nodeid for item in session.items)

        def pytest_runtest_logreport(self, report):
            if report.nodeid not in ids:
                return
            if report.failed:
                bad.add(report.nodeid)
                send(f"A 0 {report.nodeid} {report.when}: {short(report)}")
            elif report.when == "call" and report.passed and not hasattr(report, "wasxfail"):
                ok.add(report.nodeid)  # skipped, xfail and xpass never count as passed

    def send(line):
        report(" ".join(line.splitlines()))

    args = ["-q", "-p", "no:cacheprovider", "--noconftest", "-c", os.path.join(harness_dir, "hf_pytest.ini"),
            "--rootdir", harness_dir, stub]
    pytest.main(args, plugins=[Judge()])
    return len(ok - bad), len(ids)
