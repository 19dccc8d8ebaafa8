"""Caches keyed by the parameters that made them, written atomically (temp file, then rename)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout that holds motionlab/, data/, models/
DATA_DIR = Path(os.environ.get("MOTIONLAB_DATA", REPO_ROOT / "data"))  # videos and labels; override with MOTIONLAB_DATA
CACHE_DIR = DATA_DIR / "cache"  # derived arrays (frames, flow), git-ignored
MODELS_DIR = REPO_ROOT / "models"  # shipped weights
IMAGES_DIR = REPO_ROOT / "images"  # key figures shown in the README


def file_fingerprint(path: str | os.PathLike) -> dict:
    """Return what identifies a source file's content cheaply: resolved path, size in bytes and mtime in ns."""
    stat = Path(path).stat()
    return {"path": str(Path(path).resolve()), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def cache_key(**params) -> str:
    """Return a 16-hex-digit key of the JSON-serialisable parameters (order-independent)."""
    text = json.dumps(params, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cache_path(kind: str, source: str | os.PathLike, **params) -> Path:
    """Return data/cache/<kind>/<source stem>-<key>.npy for a source file and the parameters applied to it."""
    key = cache_key(source=file_fingerprint(source), **params)
    return CACHE_DIR / kind / f"{Path(source).stem}-{key}.npy"


def save_array_atomic(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write an .npy file via a temporary file and an atomic rename, so a reader never sees half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as handle:
            np.save(handle, array)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
