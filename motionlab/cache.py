"""Caches keyed by the parameters that made them, written atomically (temp file, then rename)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import stat
import struct
from contextlib import contextmanager
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout that holds motionlab/, data/, models/
DATA_DIR = Path(os.environ.get("MOTIONLAB_DATA", REPO_ROOT / "data"))  # videos and labels; override with MOTIONLAB_DATA
CACHE_DIR = DATA_DIR / "cache"  # derived arrays (frames, flow), git-ignored
MODELS_DIR = REPO_ROOT / "models"  # shipped weights
IMAGES_DIR = REPO_ROOT / "images"  # key figures shown in the README
SHARED_DATA_DIR = Path(os.environ.get("MOTIONLAB_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))  # real data
# sets (jumprope, quva, weizmann, gestures, mnist), read in place and never copied; override with MOTIONLAB_SHARED_DATA
VIDEO_DIR, LABEL_DIR = "speed_videos", "speed_annotations"  # jump-rope layout: ROOT/VIDEO_DIR/*.mp4 + ROOT/LABEL_DIR/*.npy


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


def check_output_path(path: str | os.PathLike) -> Path:
    """Return the file an output path names (symlinks followed); raise ValueError if nothing can be written there.

    Call it before long work: a directory, a parent that is a regular file or an unwritable folder is refused
    in one line naming the path. Missing parent folders are fine (atomic_output creates them).
    """
    path = Path(path)
    target = path.resolve() if path.is_symlink() else path
    if target.is_dir():
        raise ValueError(f"{path}: is a directory; name an output file")
    folder = target.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise ValueError(f"{path}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{path}: cannot write in {folder} (permission denied)")
    return target


def _is_special(path: Path) -> bool:
    """Return whether path exists and is not a regular file (a device, a pipe, a socket)."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return False


@contextmanager
def atomic_output(path: str | os.PathLike):
    """Yield a path to write into; when the block succeeds it replaces `path` at once, when it fails it vanishes.

    The temporary file sits beside the target with a name unique to this process and call, and keeps the target's
    suffix (so writers that choose a format by extension still work). A symlink is followed (the link stays and
    its target is replaced); a device or pipe (/dev/null, /dev/stdout) is written through, never replaced.
    """
    target = check_output_path(path)
    if _is_special(target):
        yield target
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}.{os.getpid()}-{secrets.token_hex(4)}.partial{target.suffix}")
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def save_array_atomic(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write an .npy file via a temporary file and an atomic rename, so a reader never sees half of it."""
    with atomic_output(path) as partial:
        with open(partial, "wb") as handle:
            np.save(handle, array)
            handle.flush()
            os.fsync(handle.fileno())
    return Path(path)


PLACEHOLDER_ROWS = 10 ** 15  # a file being built claims this many rows, reserving header room for the real count


def _npy_header(dtype: np.dtype, row_shape: tuple, rows: int, length: int | None = None) -> bytes:
    """Return a version-1.0 .npy header for a (rows, *row_shape) C-order array, padded to `length` bytes."""
    text = repr({"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
                 "shape": (rows, *row_shape)})
    fixed = 10  # magic string (6 bytes), version (2), header length (2)
    length = length or -(-(fixed + len(text) + 1) // 64) * 64  # numpy aligns the data to 64 bytes
    padded = text + " " * (length - fixed - len(text) - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(padded)) + padded.encode("latin1")


def rows_built(building: str | os.PathLike) -> tuple[int, int, np.dtype | None, tuple]:
    """Return (complete rows, header bytes, dtype, row shape) of a file build_in_chunks is building (0s if empty)."""
    building = Path(building)
    if not building.exists() or building.stat().st_size == 0:
        return 0, 0, None, ()
    with open(building, "rb") as handle:
        np.lib.format.read_magic(handle)
        shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
        header = handle.tell()
    row_bytes = dtype.itemsize * int(np.prod(shape[1:]))
    return (building.stat().st_size - header) // row_bytes, header, dtype, tuple(shape[1:])


@contextmanager
def file_lock(path: str | os.PathLike):
    """Hold an exclusive lock named after path (an output or cache file) for the block; other processes wait.

    The lock file lives in data/cache/locks/, keyed by the resolved path, so nothing appears beside the output.
    """
    lock_dir = CACHE_DIR / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:24]
    with open(lock_dir / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_in_chunks(path: str | os.PathLike, produce) -> np.ndarray:
    """Build a large .npy cache chunk by chunk, resumably, and return it memory-mapped (mmap_mode='r').

    produce(start_row) yields arrays of consecutive rows beginning at start_row. Rows are appended to a hidden
    .building file (written through to disk after each chunk) under a header claiming PLACEHOLDER_ROWS; after an
    interrupt the next call drops any incomplete row and resumes after the last complete one. When production
    ends the header gets the real count and the file is renamed into place, so the final name never holds half a
    cache and nothing is copied twice. Concurrent builders of one path take turns (file_lock): the later one finds
    the finished file. A build that fails before its first row leaves nothing behind.
    """
    path = Path(path)
    if path.exists():
        return np.load(path, mmap_mode="r")
    with file_lock(path):
        if not path.exists():
            _build_locked(path, produce)
    return np.load(path, mmap_mode="r")


def _build_locked(path: Path, produce) -> None:
    """Build path as build_in_chunks says, holding its lock."""
    building = path.with_name(f".{path.name}.building")
    building.parent.mkdir(parents=True, exist_ok=True)
    rows, header, dtype, row_shape = rows_built(building)
    try:
        with open(building, "r+b" if header else "wb") as handle:
            if header:
                handle.truncate(header + rows * dtype.itemsize * int(np.prod(row_shape)))  # a half-written row goes
                handle.seek(0, os.SEEK_END)
            for chunk in produce(rows):
                chunk = np.ascontiguousarray(chunk)
                if not header:
                    dtype, row_shape = chunk.dtype, chunk.shape[1:]
                    handle.write(_npy_header(dtype, row_shape, PLACEHOLDER_ROWS))
                    header = handle.tell()
                if chunk.dtype != dtype or chunk.shape[1:] != row_shape:
                    raise RuntimeError(f"{path}: a chunk of {chunk.dtype} {chunk.shape[1:]} rows follows {dtype} "
                                       f"{row_shape} rows; delete {building} and retry")
                chunk.tofile(handle)
                handle.flush()
                os.fsync(handle.fileno())
                rows += len(chunk)
            if not rows:
                raise RuntimeError(f"{path}: the producer gave no rows")
            handle.seek(0)
            handle.write(_npy_header(dtype, row_shape, rows, header))
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        # Count what reached the file, not `rows`: an interrupt can land after a chunk is written but before it is counted.
        try:
            complete_rows = rows_built(building)[0]
        except ValueError:  # interrupted while writing the header
            complete_rows = 0
        if not complete_rows:
            building.unlink(missing_ok=True)  # nothing to resume from
        raise
    os.replace(building, path)
