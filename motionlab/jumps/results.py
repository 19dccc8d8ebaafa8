"""The held-out results file: every method's saved predictions per real clip, merged safely when several processes
run folds at once."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path

from ..cache import MODELS_DIR, atomic_output

RESULTS_PATH = MODELS_DIR / "jump_loo_results.json"  # measured held-out predictions, read by notebook 04


def load_results(path: str | os.PathLike = RESULTS_PATH) -> dict:
    """Return the saved results {"methods": {method: {"clips": {name: prediction}, ...}}} (empty if none)."""
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else {"methods": {}}


@contextlib.contextmanager
def _locked(path: Path):
    """Hold an exclusive lock on path's lock file (processes running other folds wait for each other's writes)."""
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def update_results(path: Path, change) -> dict:
    """Re-read the results file under a lock, apply change(results) in place, write it atomically and return it
    (other processes may have written other methods or folds meanwhile)."""
    with _locked(path):
        results = load_results(path)
        change(results)
        with atomic_output(path) as partial:
            Path(partial).write_text(json.dumps(results, indent=1))
    return results


def save_fold(path: Path, method: str, entry: dict, found: dict) -> dict:
    """Add one fold's predictions {clip: prediction} and the method's settings (entry without its clips) to the
    results file and return the results now on disk."""
    def merge(results: dict) -> None:
        merged = results["methods"].setdefault(method, {"clips": {}})
        merged.update({key: value for key, value in entry.items() if key != "clips"})
        merged["clips"].update(found)

    return update_results(path, merge)


def store_run(path: Path, label: str, entry: dict) -> dict:
    """Add (or replace) one labelled run in a results file of {label: run} (no-jump videos, styles and framings)
    under the lock, write it atomically and return what is now on disk."""
    with _locked(path):
        stored = json.loads(path.read_text()) if path.exists() else {}
        stored[label] = entry
        with atomic_output(path) as partial:
            Path(partial).write_text(json.dumps(stored, indent=1))
    return stored
