"""Flow-stage throughput: the seed's pipeline against motionlab's, on one synthetic 640x480 video, in one run.

Seed: seek to every frame with cap.set(POS_FRAMES) and write it as a JPEG, then per pair read both JPEGs back,
convert, crop and resize, compute Farneback flow and encode it as HSV->RGB; the encoded flow is saved at the end.
motionlab: motionlab.flow.write_video_flow (one decode pass, worker threads running motionlab.flow.compiled, which
expands each frame once; resumable .npy on disk).
Two steps in between show where the speed comes from, on motionlab's one-pass decode: OpenCV's Farneback pair by
pair in spawned worker processes (the design first planned), then the same in worker threads.
All go from the video file to flow on disk; pool start-up is inside each time.

Importing motionlab.flow.compiled (Numba) and loading its compiled kernels happens once per process and is reported
apart, as importing OpenCV is for the seed.

Usage: python benchmarks/bench_flow.py [--frames 1200] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import resource
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

SEED_CROP_ROWS = (130, 370)  # the seed's sky and hood crop for 640x480 frames, pixel rows
SEED_SIZE = (220, 66)  # the seed's cv2.resize target, (width, height) pixels
SEED_FARNEBACK = (0.5, 1, 15, 2, 5, 1.3, 0)  # pyr_scale, levels, winsize, iterations, poly_n, poly_sigma, flags


def seed_extract_jpegs(video_path: Path, out_dir: Path) -> list[Path]:
    """Write every frame as a JPEG by seeking to it (the seed's extraction) and return the paths in frame order."""
    capture = cv2.VideoCapture(str(video_path))
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    paths = []
    with open(out_dir / "driving.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image_path", "frame"])
        for index in range(count):
            capture.set(cv2.CAP_PROP_POS_FRAMES, index)
            ok, image = capture.read()
            if not ok:
                break
            path = out_dir / f"{index}.jpg"
            cv2.imwrite(str(path), image)
            writer.writerow([str(path), index])
            paths.append(path)
    capture.release()
    return paths


def seed_preprocess(image_path: Path) -> np.ndarray:
    """Return a JPEG read back, as RGB, cropped and resized the seed's way: (66, 220, 3) uint8."""
    rgb = cv2.cvtColor(cv2.imread(str(image_path)), cv2.COLOR_BGR2RGB)
    top, bottom = SEED_CROP_ROWS
    return cv2.resize(rgb[top:bottom], SEED_SIZE, interpolation=cv2.INTER_AREA)


def seed_flow_rgb(current_rgb: np.ndarray, next_rgb: np.ndarray) -> np.ndarray:
    """Return the seed's flow encoding (float HSV with min-max value, to RGB): (66, 220, 3) float32."""
    hsv = np.zeros(current_rgb.shape, np.float32)
    hsv[..., 1] = cv2.cvtColor(next_rgb, cv2.COLOR_RGB2HSV)[..., 1]
    flow = cv2.calcOpticalFlowFarneback(cv2.cvtColor(current_rgb, cv2.COLOR_RGB2GRAY),
                                        cv2.cvtColor(next_rgb, cv2.COLOR_RGB2GRAY), None, *SEED_FARNEBACK)
    magnitude, angle = cv2.cartToPolar(flow[..., 0], flow[..., 1])
    hsv[..., 0] = angle * (180 / np.pi / 2)
    hsv[..., 2] = cv2.normalize(magnitude, None, 0, 255, cv2.NORM_MINMAX)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def run_seed(video_path: Path, work_dir: Path) -> int:
    """Run the seed's pipeline from the video to encoded flow saved as .npy; return the number of pairs."""
    jpeg_dir = work_dir / "seed_frames"
    jpeg_dir.mkdir()
    paths = seed_extract_jpegs(video_path, jpeg_dir)
    encoded = np.empty((len(paths) - 1, SEED_SIZE[1], SEED_SIZE[0], 3), np.float32)
    for index in range(len(paths) - 1):
        encoded[index] = seed_flow_rgb(seed_preprocess(paths[index]), seed_preprocess(paths[index + 1]))
    np.save(work_dir / "seed_flow.npy", encoded)
    return len(encoded)


def opencv_chunk_flow(crops_gray: list[np.ndarray]) -> np.ndarray:
    """Return OpenCV's Farneback flow pair by pair over K+1 (h, w) uint8 cropped frames resized to the flow size
    as motionlab does: (K, 66, 220, 2) float16."""
    from motionlab.flow import FlowParams
    from motionlab.flow.pipeline import to_flow_size

    cv2.setNumThreads(1)
    frames_gray = to_flow_size(crops_gray, FlowParams())
    return np.stack([cv2.calcOpticalFlowFarneback(a, b, None, *SEED_FARNEBACK)
                     for a, b in zip(frames_gray[:-1], frames_gray[1:])]).astype(np.float16)


def run_opencv_pool(video_path: Path, work_dir: Path, workers: int, processes: bool) -> int:
    """Run motionlab's one-pass decode with OpenCV's pair-by-pair Farneback in a pool; save .npy; return pairs."""
    from motionlab.flow import FlowParams
    from motionlab.flow.pipeline import _frame_chunks, _video_crops_gray

    chunks = _frame_chunks(_video_crops_gray(video_path, FlowParams()), str(video_path))
    pool = (multiprocessing.get_context("spawn").Pool(workers) if processes
            else ThreadPoolExecutor(workers))
    with pool:
        flow = np.concatenate(list(pool.imap(opencv_chunk_flow, chunks) if processes
                                   else pool.map(opencv_chunk_flow, chunks)))
    np.save(work_dir / f"opencv_pool_{processes}.npy", flow)
    return len(flow)


def run_motionlab(video_path: Path, work_dir: Path, workers: int) -> int:
    """Run motionlab's flow stage from the video to flow saved as .npy; return the number of pairs."""
    from motionlab.flow import write_video_flow

    out = write_video_flow(video_path, work_dir / "motionlab_flow.npy", workers=workers, progress=False)
    return len(np.load(out, mmap_mode="r"))


def cpu_seconds() -> float:
    """Return CPU seconds used so far by this process and its finished child processes (user + system)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    """Render the video, time both pipelines and print their throughputs and ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1200, help="frames of the synthetic video (20 fps)")
    parser.add_argument("--workers", type=int, default=2, help="motionlab's flow worker threads")
    parser.add_argument("--seed", type=int, default=0, help="synthetic scene seed")
    args = parser.parse_args()
    from motionlab.synth.dashcam import render_dashcam

    with tempfile.TemporaryDirectory(prefix="bench_flow_") as tmp:
        work_dir = Path(tmp)
        video, _ = render_dashcam(work_dir, "bench", n_frames=args.frames, seed=args.seed, progress=False)
        print(f"video: {args.frames} frames 640x480, {os.cpu_count()} CPU cores, "
              f"load average {os.getloadavg()[0]:.1f} (other work on the machine slows both runs)")
        start = time.perf_counter()
        from motionlab.flow.compiled import stream_flow

        stream_flow(np.zeros((2, 66, 220), np.uint8))  # compiles the kernels once per install, then loads them
        print(f"motionlab.flow.compiled: import and kernel load {time.perf_counter() - start:.2f} s, once per process "
              f"(outside the timings, like importing OpenCV; the first run after install compiles, ~10 s)")
        results, cpu_per_pair = {}, {}
        runs = [("seed", lambda: run_seed(video, work_dir)),
                ("OpenCV Farneback, spawned processes",
                 lambda: run_opencv_pool(video, work_dir, args.workers, processes=True)),
                ("OpenCV Farneback, threads", lambda: run_opencv_pool(video, work_dir, args.workers, processes=False)),
                ("motionlab", lambda: run_motionlab(video, work_dir, args.workers))]
        for name, run in runs:
            start, cpu_start = time.perf_counter(), cpu_seconds()
            pairs = run()
            seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
            results[name], cpu_per_pair[name] = pairs / seconds, cpu / pairs * 1000
            print(f"{name:>35}: {pairs} pairs in {seconds:6.2f} s = {results[name]:7.1f} pairs/s "
                  f"({cpu_per_pair[name]:.1f} CPU-ms per pair, workers included)")
        for name in list(results)[1:-1]:
            print(f"{name:>35}: {results[name] / results['seed']:.1f}x the seed's pipeline")
        print(f"{'ratio':>35}: motionlab is {results['motionlab'] / results['seed']:.1f}x the seed's pipeline "
              f"(target >= 10x); CPU work per pair {cpu_per_pair['seed'] / cpu_per_pair['motionlab']:.1f}x less")


if __name__ == "__main__":
    main()
