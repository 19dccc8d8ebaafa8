"""End-to-end speed estimation throughput: `motionlab speed` against the seed's approach, on one video, in one run.

motionlab: decode once, flow over worker processes, the shipped model in batches of 256, smoothing
(motionlab.speed.predict.predict_video_speeds). Seed: extract frames as JPEGs by seeking to each, then per pair read both,
preprocess, Farneback, HSV->RGB with min-max, and the seed's model on a batch of one (its validation generator).
Both on the same synthetic 640x480 video; model loading (and its first call) is outside both timings.
Beside them, the geometry estimator (`speed --method geometry`, no model: decode, road crop, Farneback after a
warp by the previous pair's motion, a robust fit per pair; motionlab.speed.geometry) on the same long video.

Usage: python benchmarks/bench_speed.py [--frames 2400] [--seed-frames 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_flow import seed_extract_jpegs, seed_flow_rgb, seed_preprocess  # noqa: E402  the seed's steps, shared


def run_seed(video: Path, work_dir: Path, model) -> int:
    """Run the seed's per-pair pipeline with its model; return the number of pairs predicted."""
    jpeg_dir = work_dir / "seed_frames"
    jpeg_dir.mkdir()
    paths = seed_extract_jpegs(video, jpeg_dir)
    for index in range(len(paths) - 1):
        encoded = seed_flow_rgb(seed_preprocess(paths[index]), seed_preprocess(paths[index + 1]))
        model.predict_on_batch(encoded[None])
    return len(paths) - 1


def main() -> None:
    """Render the videos, time both approaches and print frames/s and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=2400, help="frames of the video motionlab reads (20 fps)")
    parser.add_argument("--seed-frames", type=int, default=300, help="frames the (slow) seed approach reads")
    parser.add_argument("--workers", type=int, default=2, help="motionlab's flow worker threads")
    args = parser.parse_args()
    from motionlab.speed.models import seed_speed_model
    from motionlab.speed.predict import load_speed_model, predict_video_speeds
    from motionlab.synth.dashcam import render_dashcam

    with tempfile.TemporaryDirectory(prefix="bench_speed_") as tmp:
        work_dir = Path(tmp)
        video, _ = render_dashcam(work_dir, "bench", n_frames=args.frames, seed=404, progress=False)
        short, _ = render_dashcam(work_dir, "bench_short", n_frames=args.seed_frames, seed=404, progress=False)
        print(f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} before the runs")
        model, seed_model = load_speed_model(), seed_speed_model()
        for loaded in (model, seed_model):  # part of loading: build the inference graph once, outside the timings
            loaded.predict_on_batch(np.zeros((1, *loaded.input_shape[1:]), np.float32))
        start = time.perf_counter()
        speeds = predict_video_speeds(video, model, workers=args.workers, progress=False)
        ours = len(speeds) / (time.perf_counter() - start)
        from motionlab.speed.camera import load_camera
        from motionlab.speed.geometry import predict_video_speeds_geometry

        camera = load_camera()
        start = time.perf_counter()
        geometry_speeds = predict_video_speeds_geometry(video, camera, workers=args.workers, progress=False)
        geometry = len(geometry_speeds) / (time.perf_counter() - start)
        start = time.perf_counter()
        pairs = run_seed(short, work_dir, seed_model)
        seed = (pairs + 1) / (time.perf_counter() - start)
        print(f"motionlab speed: {len(speeds)} frames at {ours:7.1f} frames/s (target >= 200)")
        print(f"speed --method geometry: {len(geometry_speeds)} frames at {geometry:7.1f} frames/s (target >= 200), "
              f"{geometry / ours:.2f}x the model's")
        print(f"seed approach:   {pairs + 1} frames at {seed:7.1f} frames/s")
        print(f"ratio: motionlab is {ours / seed:.1f}x the seed's approach")


if __name__ == "__main__":
    main()
