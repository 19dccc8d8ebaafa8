"""Whole-video flow: one sequential decode pass, Farneback in worker threads, a resumable cache keyed by parameters.

The calling thread decodes, crops and grays each frame once, cuts the stream into chunks of CHUNK_PAIRS pairs
(consecutive chunks share their boundary frame) and hands them to a pool of workers, which resize the frames to
the flow size and compute the flow. Workers are threads by default: decoding (OpenCV) and Farneback
(motionlab.flow.compiled, compiled with nogil) release Python's lock, so threads keep both cores busy without each
worker process paying ~0.5 CPU-s to start and import, and without copying frames between processes
(benchmarks/bench_flow.py measures both: 10.0x against 6.0x the seed's pipeline with OpenCV's Farneback).
processes=True uses worker processes started with the spawn method instead (never fork: a child forked once
OpenCV runs its threads can deadlock).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

import cv2
import numpy as np

from ..cache import build_in_chunks, cache_key, cache_path, check_output_path, file_fingerprint, file_lock
from ..progress import progress_bar
from ..video import VideoError, iter_frames, prepare_frame, probe_video, require_frames
from .compiled import stream_flow
from .params import FlowParams

CHUNK_PAIRS = 50  # flow fields per worker task and per resumable part of a cache
QUEUED_PER_WORKER = 4  # chunks waiting per worker: decoding runs ahead while workers start, memory stays bounded
CACHE_DTYPE = np.float16  # cached flow, pixels per frame (about 0.01 px resolution below 16 px)
GRAY_SOURCE = "luma"  # gray frames come from the decoder's luma plane where it has one; kept in every cache key so
# caches made before stay valid


def to_flow_size(crops_gray: list[np.ndarray], params: FlowParams) -> np.ndarray:
    """Return K (h, w) uint8 cropped gray frames resized as motionlab.flow.params.prepare does: (K, height, width) uint8."""
    return np.stack([prepare_frame(crop, size=(params.height, params.width)) for crop in crops_gray])


def _chunk_flow(crops_gray: list[np.ndarray], params: FlowParams, dtype) -> np.ndarray:
    """Return the flow between each consecutive pair of K+1 (h, w) uint8 cropped gray frames, resized to the flow
    size first: (K, height, width, 2) pixels per frame."""
    return stream_flow(to_flow_size(crops_gray, params), params.pyr_scale, params.levels, params.winsize,
                       params.iterations, params.poly_n, params.poly_sigma).astype(dtype, copy=False)


def _frame_chunks(frames_gray: Iterable[np.ndarray], source: str,
                  first_chunk: bool = True) -> Iterator[list[np.ndarray]]:
    """Yield lists of k+1 consecutive (H, W) uint8 frames, k <= CHUNK_PAIRS, each starting at the previous end.

    Raises VideoError naming `source` if a stream read from its start has fewer than 2 frames.
    """
    frames = iter(frames_gray)
    previous = next(frames, None)
    count = 0
    while block := list(islice(frames, CHUNK_PAIRS)):
        count += 1
        yield [previous, *block]
        previous = block[-1]
    if first_chunk and count == 0:
        found = "no frame" if previous is None else "only 1 frame"
        raise VideoError(f"{source}: has {found}; optical flow needs at least 2 frames")


def _single_opencv_thread() -> None:
    """Keep a worker process to one OpenCV thread: the pool is the parallelism."""
    cv2.setNumThreads(1)


def _map_chunks(chunks: Iterable[list[np.ndarray]], params: FlowParams, workers: int, dtype,
                processes: bool = False) -> Iterator[np.ndarray]:
    """Yield the flow of each chunk in order, computed by `workers` threads (0: in the calling thread), or by
    `workers` processes started with the spawn method (forking once OpenCV runs its threads can deadlock)."""
    check_workers(workers)
    if workers == 0:
        for chunk in chunks:
            yield _chunk_flow(chunk, params, dtype)
        return
    pool = (ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                initializer=_single_opencv_thread) if processes
            else ThreadPoolExecutor(workers, thread_name_prefix="flow"))
    previous_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # the pool is the parallelism; OpenCV's own threads would only compete with it
    try:
        with pool:
            pending = deque()
            for chunk in chunks:
                pending.append(pool.submit(_chunk_flow, chunk, params, dtype))
                if len(pending) >= workers * QUEUED_PER_WORKER:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        cv2.setNumThreads(previous_threads)


def _video_crops_gray(video_path, params: FlowParams, start: int = 0) -> Iterator[np.ndarray]:
    """Yield frames start, start+1, ... of a video, cropped to the road and gray, not resized: (h, W) uint8 each."""
    return iter_frames(video_path, crop_rows=params.crop_rows(probe_video(video_path).height), gray=True,
                       start=start, luma=True)


def iter_video_flow(video_path: str | os.PathLike, params: FlowParams = FlowParams(),
                    workers: int = 2, processes: bool = False) -> Iterator[np.ndarray]:
    """Yield flow[i], from frame i to frame i+1 of a video, in order: (height, width, 2) float32 pixels per frame.

    One sequential decode pass, nothing cached (for arbitrary videos). Raises VideoError for fewer than 2 frames.
    """
    chunks = _frame_chunks(_video_crops_gray(video_path, params), str(video_path))
    for flows in _map_chunks(chunks, params, workers, np.float32, processes):
        yield from flows


def _build(target: Path, video_path, params: FlowParams, workers: int, progress: bool,
           processes: bool = False) -> np.ndarray:
    """Build the (N-1, height, width, 2) float16 flow file `target` resumably, and return it memory-mapped."""
    pairs_estimate = max(probe_video(video_path).frame_count - 1, 1)  # the header's count, for the progress bar

    def produce(start_pair: int) -> Iterator[np.ndarray]:
        frames = _video_crops_gray(video_path, params, start=start_pair)
        chunks = _frame_chunks(frames, str(video_path), first_chunk=start_pair == 0)
        bar = progress_bar(total=max(pairs_estimate, start_pair), initial=start_pair, unit="pair",
                           desc=f"flow {Path(video_path).name}", enabled=progress)
        with bar:
            for flows in _map_chunks(chunks, params, workers, CACHE_DTYPE, processes):
                bar.update(len(flows))
                yield flows

    return build_in_chunks(target, produce)


def flow_cache_path(video_path: str | os.PathLike, params: FlowParams = FlowParams()) -> Path:
    """Return where video_flow caches a video's flow: data/cache/flow/<stem>-<key of file and params>.npy."""
    return cache_path("flow", video_path, gray=GRAY_SOURCE, **params.as_dict())


def video_flow(video_path: str | os.PathLike, params: FlowParams = FlowParams(), workers: int = 2,
               progress: bool = True, processes: bool = False) -> np.ndarray:
    """Return flow[i] from frame i to i+1 of a video, (N-1, height, width, 2) float16 px/frame, memory-mapped.

    Read from the cache if this file and these parameters were computed before; otherwise computed in one decode
    pass over `workers` threads and cached atomically, resuming after the last complete chunk of an interrupt.
    """
    require_frames(video_path, 2, "optical flow")  # a clear VideoError for a missing, unreadable or 1-frame file
    return _build(flow_cache_path(video_path, params), video_path, params, workers, progress, processes)


def write_video_flow(video_path: str | os.PathLike, out_path: str | os.PathLike, params: FlowParams = FlowParams(),
                     workers: int = 2, progress: bool = True, processes: bool = False) -> Path:
    """Write a video's N-1 flow fields to out_path (.npy, (N-1, height, width, 2) float16 px/frame) and return it.

    Built resumably beside the file out_path names (a symlink is followed) under a hidden name keyed by the video
    and parameters, then renamed into place; concurrent runs with one out_path take turns, and each succeeds.
    """
    out_path = Path(out_path)
    if out_path.suffix != ".npy":
        raise ValueError(f"{out_path}: the output must be a .npy file")
    check_workers(workers)
    target = check_output_path(out_path)
    require_frames(video_path, 2, "optical flow")
    key = cache_key(source=file_fingerprint(video_path), gray=GRAY_SOURCE, **params.as_dict())
    hidden = target.with_name(f".{target.stem}-{key}.npy")
    with file_lock(target):
        flow = _build(hidden, video_path, params, workers, progress, processes)
        del flow  # release the memory map before the rename
        os.replace(hidden, target)
    return out_path


def check_workers(workers: int) -> None:
    """Raise ValueError unless workers is a usable pool size (0: everything in the calling thread)."""
    if workers < 0:
        raise ValueError(f"--workers must be >= 0, got {workers}")
