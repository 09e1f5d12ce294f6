"""python -m halo_forge_worker.trackers: writes a run's metrics into the trackers users already use.

halo-forge (Swift) owns the run and starts this process when `--report-to` is given. It reads
JSON lines on stdin and writes each to every chosen tracker through the tracker's own library:

    {"kind": "params", "params": {"learning_rate": 5e-05, ...}}     the run's settings (hyperparameters)
    {"kind": "step", "step": 7, "values": {"train/loss": 1.9, ...}} one point per scalar at that step
    {"kind": "cycle" | "heldout" | "eval", "step": N, "values": {...}}

Each kind has its own step axis (training steps, cycles, held-out stages). Nothing is sent over
the network: TensorBoard writes event files, W&B runs in offline mode (synced later with
`wandb sync`), MLflow writes its local file store, all under DIR; MLflow's usage telemetry and
W&B's crash reports are off. Each default yields to a variable the user's environment sets.

Resume: DIR/state.json keeps each tracker's run id and, per tracker and kind, the last step it
wrote. A restarted run opens the same tracker runs and skips every point at or below that step,
so halo-forge can replay everything it stored without duplicating a point.

Startup prints one JSON line on stdout: {"ready": true, "trackers": [...], "locations": {...}}, or
{"error": "..."} (a library is missing) and exits 2. Each later line is answered with {"ok": true}
once written and flushed, or {"error": "..."}.
"""
import argparse
import fcntl
import json
import os
import sys
import time
import uuid
import warnings

TRACKERS = ("tensorboard", "wandb", "mlflow")
PACKAGES = {"tensorboard": "tensorboard", "wandb": "wandb", "mlflow": "mlflow-skinny"}
INSTALL_HINT = "halo-forge model setup --trackers"


class TrackerError(Exception):
    pass


def _scalar(value):
    """A hyperparameter value every tracker takes: numbers, strings and bools; lists joined."""
    if isinstance(value, (bool, int, float, str)):
        return value
    if value is None:
        return "null"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return json.dumps(value, sort_keys=True)


def _text(value):
    """A parameter as MLflow stores it (text): strings as they are, the rest as JSON (true, 5e-05)."""
    return value if isinstance(value, str) else json.dumps(value)


class State:
    """DIR/state.json: run ids and the last step written per tracker and kind, replaced atomically
    (a kill leaves the old or the new file; no fsync, one point at most is repeated after a power loss)."""

    def __init__(self, path):
        self.path = path
        self.data = {}
        if os.path.exists(path):
            try:
                with open(path) as f:
                    self.data = json.load(f)
            except (OSError, ValueError) as e:
                raise TrackerError(f"{path}: {e} (it records which points the trackers hold; fix or remove it)") from e

    def get(self, key, default=None):
        return self.data.get(key, default)

    def set(self, key, value):
        self.data[key] = value

    def last(self, tracker, kind):
        return self.data.get("written", {}).get(tracker, {}).get(kind)

    def wrote(self, tracker, kind, step):
        self.data.setdefault("written", {}).setdefault(tracker, {})[kind] = step

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)


class TensorBoard:
    """Event files in DIR/tensorboard, through torch.utils.tensorboard's SummaryWriter."""

    name = "tensorboard"

    def __init__(self, folder, state, run_name):
        try:
            import tensorboard  # noqa: F401  (SummaryWriter needs it; say so before torch's own message)
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as e:
            raise TrackerError(f"tensorboard: {e}") from e
        self.folder = os.path.join(folder, "tensorboard")
        # A resumed run adds an event file to the same folder; readers merge them by step.
        self.writer = SummaryWriter(log_dir=self.folder)

    @property
    def location(self):
        return self.folder

    def params(self, params, first):
        if not first:
            return
        from torch.utils.tensorboard.summary import hparams

        # The HParams plugin's records, written into this run's own folder (add_hparams would make a sub-run).
        for summary in hparams({k: _scalar(v) for k, v in params.items()}, {}):
            self.writer.file_writer.add_summary(summary)
        text = "\n".join(f"    {k}: {json.dumps(v)}" for k, v in sorted(params.items()))
        self.writer.add_text("settings", text)

    def scalars(self, kind, step, values):
        for key, value in values.items():
            self.writer.add_scalar(key, value, global_step=step)

    def flush(self):
        self.writer.flush()

    def close(self):
        self.writer.close()


class WandB:
    """An offline W&B run under DIR/wandb; `wandb sync DIR/wandb/offline-run-*` uploads it later."""

    name = "wandb"
    STEP_METRIC = {"step": "train/step", "cycle": "cycle/index", "heldout": "heldout/stage", "eval": "train/step"}

    def __init__(self, folder, state, run_name):
        # Offline unless the user's environment asks otherwise in so many words.
        os.environ.setdefault("WANDB_MODE", "offline")
        os.environ.setdefault("WANDB_ERROR_REPORTING", "false")  # W&B's crash reports go to Sentry
        os.environ.setdefault("WANDB_SILENT", "true")
        os.environ.setdefault("WANDB_CONSOLE", "off")
        try:
            import wandb
        except ImportError as e:
            raise TrackerError(f"wandb: {e}") from e
        self.wandb = wandb
        self.state = state
        run_id = state.get("wandb_id")
        if run_id is None:
            run_id = uuid.uuid4().hex[:12]
            state.set("wandb_id", run_id)
        self.folder = os.path.join(folder, "wandb")
        os.makedirs(self.folder, exist_ok=True)
        project = os.environ.get("WANDB_PROJECT", "halo-forge")
        self.run = wandb.init(
            project=project, name=run_name, id=run_id, resume="allow", dir=folder,
            settings=wandb.Settings(console="off", x_disable_stats=True, x_disable_meta=True))
        for metric in set(self.STEP_METRIC.values()):
            self.run.define_metric(metric, hidden=False)
        self.run.define_metric("train/*", step_metric="train/step")
        self.run.define_metric("eval/*", step_metric="train/step")
        self.run.define_metric("cycle/*", step_metric="cycle/index")
        self.run.define_metric("heldout/*", step_metric="heldout/stage")

    @property
    def location(self):
        return self.run.dir and os.path.dirname(self.run.dir)

    def params(self, params, first):
        self.run.config.update({k: _scalar(v) for k, v in params.items()}, allow_val_change=True)

    def scalars(self, kind, step, values):
        row = dict(values)
        row[self.STEP_METRIC[kind]] = step
        # An offline run resumed in a new process starts W&B's own _step at 0 again; `wandb sync`
        # merges the folders into one run, whose rows must keep counting up.
        wandb_step = self.state.get("wandb_step", 0)
        self.run.log(row, step=wandb_step)
        self.state.set("wandb_step", wandb_step + 1)

    def flush(self):
        pass  # the W&B service writes the .wandb file itself; finish() waits for it

    def close(self):
        self.run.finish()


class MLflow:
    """An MLflow run in the local file store DIR/mlruns (tracking URI file:DIR/mlruns)."""

    name = "mlflow"

    def __init__(self, folder, state, run_name):
        # MLflow 3 keeps the file store in maintenance and asks for this opt-in; it is still
        # MLflow's own local format, needs no database and reads back with MlflowClient.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # MLflow 3 reports usage unless told not to
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from mlflow.tracking import MlflowClient
        except ImportError as e:
            raise TrackerError(f"mlflow: {e}") from e
        self.uri = "file:" + os.path.join(os.path.abspath(folder), "mlruns")
        with warnings.catch_warnings():
            # The file store is deprecated in favour of a database; it is still MLflow's own local format.
            warnings.simplefilter("ignore")
            self.client = MlflowClient(tracking_uri=self.uri)
            run_id = state.get("mlflow_run_id")
            if run_id is None:
                name = os.environ.get("MLFLOW_EXPERIMENT_NAME", "halo-forge")
                experiment = self.client.get_experiment_by_name(name)
                experiment_id = experiment.experiment_id if experiment else self.client.create_experiment(name)
                run_id = self.client.create_run(experiment_id, run_name=run_name).info.run_id
                state.set("mlflow_run_id", run_id)
            else:
                self.client.update_run(run_id, status="RUNNING")
        self.run_id = run_id

    @property
    def location(self):
        return self.uri

    def params(self, params, first):
        from mlflow.entities import Param

        logged = self.client.get_run(self.run_id).data.params
        # MLflow params are write-once: a resumed run logs only what is new.
        new = [Param(k, _text(_scalar(v))[:6000]) for k, v in sorted(params.items()) if k not in logged]
        if new:
            self.client.log_batch(self.run_id, params=new)

    def scalars(self, kind, step, values):
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        self.client.log_batch(self.run_id, metrics=[Metric(k, float(v), now, step) for k, v in values.items()])

    def flush(self):
        pass  # the file store writes synchronously

    def close(self):
        self.client.set_terminated(self.run_id, status="FINISHED")


WRITERS = {"tensorboard": TensorBoard, "wandb": WandB, "mlflow": MLflow}


class Reporter:
    def __init__(self, folder, trackers, run_name):
        os.makedirs(folder, exist_ok=True)
        # One reporter per folder: a resumed run's waits while the killed run's reporter finishes
        # its trackers and writes its last state.
        self.lock = open(os.path.join(folder, "lock"), "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        self.state = State(os.path.join(folder, "state.json"))
        self.writers = []
        missing = []
        for name in trackers:
            try:
                self.writers.append(WRITERS[name](folder, self.state, run_name))
            except TrackerError as e:
                missing.append((name, str(e)))
        if missing:
            for w in self.writers:
                w.close()
            names = " ".join(PACKAGES[n] for n, _ in missing)
            raise TrackerError(
                "; ".join(m for _, m in missing) + f": install {names} into the worker's environment ({INSTALL_HINT})")
        self.state.save()

    def handle(self, message):
        kind = message.get("kind")
        if kind == "params":
            params = message.get("params")
            if not isinstance(params, dict):
                raise ValueError("params: expected an object")
            first = not self.state.get("params_written", False)
            for w in self.writers:
                w.params(params, first)
                w.flush()
            self.state.set("params_written", True)
        elif kind in WandB.STEP_METRIC:
            step, values = message.get("step"), message.get("values")
            if not isinstance(step, int) or isinstance(step, bool):
                raise ValueError(f"{kind}: 'step' must be a whole number")
            if not isinstance(values, dict):
                raise ValueError(f"{kind}: 'values' must be an object")
            values = {k: float(v) for k, v in values.items()
                      if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v}
            for w in self.writers:
                last = self.state.last(w.name, kind)
                if last is not None and step <= last:
                    continue  # written before a resume
                if values:
                    w.scalars(kind, step, values)
                w.flush()
                self.state.wrote(w.name, kind, step)
        else:
            raise ValueError(f"unknown kind {kind!r}")
        self.state.save()

    def locations(self):
        return {w.name: w.location for w in self.writers}

    def close(self):
        for w in self.writers:
            w.close()
        self.state.save()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m halo_forge_worker.trackers")
    parser.add_argument("--dir", required=True, help="the run's trackers folder")
    parser.add_argument("--tracker", action="append", choices=TRACKERS, required=True)
    parser.add_argument("--name", default=None, help="run name shown in the trackers")
    args = parser.parse_args(argv)
    out = sys.stdout
    # Libraries print banners and warnings: only this module's JSON lines go to stdout.
    sys.stdout = sys.stderr

    def send(obj):
        out.write(json.dumps(obj) + "\n")
        out.flush()

    try:
        reporter = Reporter(args.dir, list(dict.fromkeys(args.tracker)), args.name)
    except TrackerError as e:
        send({"error": str(e)})
        return 2
    except Exception as e:  # a tracker library that fails to start its run
        send({"error": f"starting the trackers failed: {type(e).__name__}: {e}"})
        return 2
    send({"ready": True, "trackers": [w.name for w in reporter.writers], "locations": reporter.locations()})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                reporter.handle(json.loads(line))
                send({"ok": True})
            except (ValueError, TypeError) as e:
                send({"error": str(e)})
    finally:
        reporter.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
