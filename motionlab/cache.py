"""Caches keyed by the parameters that made them, written atomically (temp file, then rename)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
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


def build_in_chunks(path: str | os.PathLike, produce, expected_rows: int | None = None) -> np.ndarray:
    """Build a large .npy cache chunk by chunk, resumably, and return it memory-mapped (mmap_mode='r').

    produce(start_row) yields arrays of consecutive rows beginning at start_row. Each chunk is written atomically
    to <path>.parts/; after an interrupt the next call resumes after the last complete chunk. The final file
    appears, atomically, only when production ends (and has expected_rows rows, if given).
    """
    path = Path(path)
    if path.exists():
        return np.load(path, mmap_mode="r")
    parts_dir = path.with_name(path.name + ".parts")
    parts_dir.mkdir(parents=True, exist_ok=True)
    part_paths = sorted(parts_dir.glob("[0-9]*.npy"))
    done_rows = sum(len(np.load(part, mmap_mode="r")) for part in part_paths)
    for chunk in produce(done_rows):
        part = parts_dir / f"{len(part_paths):06d}.npy"
        save_array_atomic(part, np.asarray(chunk))
        part_paths.append(part)
    parts = [np.load(part, mmap_mode="r") for part in part_paths]
    rows = sum(len(part) for part in parts)
    if not parts or (expected_rows is not None and rows != expected_rows):
        raise RuntimeError(f"{path}: built {rows} rows, expected {expected_rows}; delete {parts_dir} and retry")
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        out = np.lib.format.open_memmap(partial, mode="w+", dtype=parts[0].dtype, shape=(rows,) + parts[0].shape[1:])
        start = 0
        for part in parts:
            out[start:start + len(part)] = part
            start += len(part)
        out.flush()
        del out
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    shutil.rmtree(parts_dir)  # the chunks, and any half-written chunk a killed run left behind
    return np.load(path, mmap_mode="r")
