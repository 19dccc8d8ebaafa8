"""Whole-video flow: one sequential decode pass, Farneback in worker processes, a resumable cache keyed by parameters.

The main process decodes, crops, resizes and grays each frame once, cuts the stream into chunks of CHUNK_PAIRS
pairs (consecutive chunks share their boundary frame) and hands them to a pool of worker processes, started with
the spawn method because forking a process in which OpenCV has started its threads can deadlock.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

import cv2
import numpy as np
from tqdm.auto import tqdm

from .cache import build_in_chunks, cache_key, cache_path, file_fingerprint
from .flow import FlowParams, farneback, prepare
from .video import VideoError, iter_frames, probe_video

CHUNK_PAIRS = 50  # flow fields per worker task and per resumable part of a cache
QUEUED_PER_WORKER = 4  # chunks waiting per worker: decoding runs ahead while workers start, memory stays bounded
CACHE_DTYPE = np.float16  # cached flow, pixels per frame (about 0.01 px resolution below 16 px)


def _init_worker() -> None:
    """Keep each worker to one OpenCV thread: the pool is the parallelism."""
    cv2.setNumThreads(1)


def _chunk_flow(frames_gray: np.ndarray, params: FlowParams, dtype) -> np.ndarray:
    """Return the flow between each consecutive pair of (K+1, H, W) uint8 frames: (K, H, W, 2) pixels per frame."""
    return np.stack([farneback(a, b, params) for a, b in zip(frames_gray[:-1], frames_gray[1:])]).astype(dtype)


def _frame_chunks(frames_gray: Iterable[np.ndarray], source: str, first_chunk: bool = True) -> Iterator[np.ndarray]:
    """Yield (k+1, H, W) uint8 blocks of consecutive frames, k <= CHUNK_PAIRS, each starting at the previous end.

    Raises VideoError naming `source` if a stream read from its start has fewer than 2 frames.
    """
    frames = iter(frames_gray)
    previous = next(frames, None)
    count = 0
    while block := list(islice(frames, CHUNK_PAIRS)):
        count += 1
        yield np.stack([previous, *block])
        previous = block[-1]
    if first_chunk and count == 0:
        found = "no frame" if previous is None else "only 1 frame"
        raise VideoError(f"{source}: has {found}; optical flow needs at least 2 frames")


def _map_chunks(chunks: Iterable[np.ndarray], params: FlowParams, workers: int, dtype) -> Iterator[np.ndarray]:
    """Yield the flow of each chunk in order, computed by `workers` spawned processes (0: in this process)."""
    if workers < 0:
        raise ValueError(f"workers must be >= 0, got {workers}")
    if workers == 0:
        for chunk in chunks:
            yield _chunk_flow(chunk, params, dtype)
        return
    with multiprocessing.get_context("spawn").Pool(workers, initializer=_init_worker) as pool:
        pending = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_chunk_flow, (chunk, params, dtype)))
            if len(pending) >= workers * QUEUED_PER_WORKER:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _video_frames_gray(video_path, params: FlowParams, start: int = 0) -> Iterator[np.ndarray]:
    """Yield frames start, start+1, ... of a video, cropped, resized and gray: (height, width) uint8 each."""
    rows = params.crop_rows(probe_video(video_path).height)
    return iter_frames(video_path, crop_rows=rows, size=(params.height, params.width), gray=True, start=start)


def iter_flow(frames_bgr: Iterable[np.ndarray], params: FlowParams = FlowParams(), workers: int = 2,
              source: str = "frames") -> Iterator[np.ndarray]:
    """Yield the flow from each frame to the next of in-memory BGR frames, in order: (height, width, 2) float32 px/frame.

    Nothing is cached. With workers=0 everything runs in the calling process.
    """
    frames_gray = (prepare(frame, params) for frame in frames_bgr)
    for flows in _map_chunks(_frame_chunks(frames_gray, source), params, workers, np.float32):
        yield from flows


def iter_video_flow(video_path: str | os.PathLike, params: FlowParams = FlowParams(),
                    workers: int = 2) -> Iterator[np.ndarray]:
    """Yield flow[i], from frame i to frame i+1 of a video, in order: (height, width, 2) float32 pixels per frame.

    One sequential decode pass, nothing cached (for arbitrary videos). Raises VideoError for fewer than 2 frames.
    """
    chunks = _frame_chunks(_video_frames_gray(video_path, params), str(video_path))
    for flows in _map_chunks(chunks, params, workers, np.float32):
        yield from flows


def _build(target: Path, video_path, params: FlowParams, workers: int, progress: bool) -> np.ndarray:
    """Build the (N-1, height, width, 2) float16 flow file `target` resumably, and return it memory-mapped."""
    pairs_estimate = max(probe_video(video_path).frame_count - 1, 1)  # the header's count, for the progress bar

    def produce(start_pair: int) -> Iterator[np.ndarray]:
        frames = _video_frames_gray(video_path, params, start=start_pair)
        chunks = _frame_chunks(frames, str(video_path), first_chunk=start_pair == 0)
        bar = tqdm(total=max(pairs_estimate, start_pair), initial=start_pair, unit="pair",
                   desc=f"flow {Path(video_path).name}", disable=not progress)
        with bar:
            for flows in _map_chunks(chunks, params, workers, CACHE_DTYPE):
                bar.update(len(flows))
                yield flows

    return build_in_chunks(target, produce)


def flow_cache_path(video_path: str | os.PathLike, params: FlowParams = FlowParams()) -> Path:
    """Return where video_flow caches a video's flow: data/cache/flow/<stem>-<key of file and params>.npy."""
    return cache_path("flow", video_path, **params.as_dict())


def video_flow(video_path: str | os.PathLike, params: FlowParams = FlowParams(), workers: int = 2,
               progress: bool = True) -> np.ndarray:
    """Return flow[i] from frame i to i+1 of a video, (N-1, height, width, 2) float16 px/frame, memory-mapped.

    Read from the cache if this file and these parameters were computed before; otherwise computed in one decode
    pass over `workers` processes and cached atomically, resuming after the last complete chunk of an interrupt.
    """
    probe_video(video_path)  # a clear VideoError for a missing or unreadable file, before any key is made
    return _build(flow_cache_path(video_path, params), video_path, params, workers, progress)


def write_video_flow(video_path: str | os.PathLike, out_path: str | os.PathLike, params: FlowParams = FlowParams(),
                     workers: int = 2, progress: bool = True) -> Path:
    """Write a video's N-1 flow fields to out_path (.npy, (N-1, height, width, 2) float16 px/frame) and return it.

    Built resumably beside out_path under a name keyed by the file and parameters, then renamed into place.
    """
    out_path = Path(out_path)
    if out_path.suffix != ".npy":
        raise ValueError(f"{out_path}: the output must be a .npy file")
    probe_video(video_path)
    key = cache_key(source=file_fingerprint(video_path), **params.as_dict())
    building = out_path.with_name(f".{out_path.stem}-{key}.npy")
    flow = _build(building, video_path, params, workers, progress)
    del flow  # release the memory map before the rename
    os.replace(building, out_path)
    return out_path
