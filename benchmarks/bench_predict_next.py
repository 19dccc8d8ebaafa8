"""Throughput of `python -m motionlab predict-next` with the real-video model: frames per second, 2 CPU cores.

Times, in the same run and on the same video: decoding alone (to the model's 64x64 gray, the floor any predictor
pays), predict_next_video with the model loaded (decode, predict, score against copy-last), and the whole command
(Python start, TensorFlow import and model load included). Reports each as frames/s and as a ratio to decoding.
Default input: a real QUVA test video when ../shared/data is present, else a rendered synthetic clip.

With several --model names, predict_next_video is timed for each in alternating rounds on the same video, and the
last line gives each one's time as a ratio to the first's (a ratio from one run survives a machine shared with other
jobs better than a rate does).

Usage: python benchmarks/bench_predict_next.py [--video FILE] [--model video [dis_blend ...]] [--repeats 3]
       [--threads N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def default_video(folder: Path) -> Path:
    """Return the longest real test video if present, else a 30 s synthetic 640x480 moving-digit clip."""
    import cv2

    from motionlab.nextframe.data import list_real_videos, split_real_videos, synthetic_videos
    from motionlab.video import probe_video, write_video

    test = split_real_videos(list_real_videos())["test"]
    if test:
        return max((video.path for video in test), key=lambda path: probe_video(path).frame_count)
    clip = synthetic_videos(1, (480, 640), gray=False, seed=5, frames=900)[0]
    path = folder / "bench_synthetic.mp4"
    write_video(path, (cv2.resize(frame, (640, 480)) for frame in clip), 30.0)
    return path


def best_time(work, repeats: int) -> float:
    """Return the fastest of `repeats` runs of work(), seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    """Run the benchmark and print one line per measurement."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", type=Path, help="video to predict (default: see above)")
    parser.add_argument("--model", nargs="+", default=["video"],
                        help="model names or .keras files, timed in turn (default: video)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement; the fastest counts")
    parser.add_argument("--threads", type=int, help="pin TensorFlow, OpenMP and OpenCV to this many threads")
    args = parser.parse_args()
    if args.threads:
        import cv2

        from motionlab.threads import limit_threads

        limit_threads(args.threads)
        cv2.setNumThreads(args.threads)
    from motionlab.nextframe.predict import load_predictor, model_geometry, predict_next_video
    from motionlab.video import count_frames, iter_frames, probe_video

    with tempfile.TemporaryDirectory() as folder:
        video = args.video or default_video(Path(folder))
        frames = count_frames(video)
        info = probe_video(video)
        seconds = {model: [] for model in args.model}  # predict_next_video times, taken in alternating rounds so
        # that a change of load on the shared machine falls on every model alike
        for model in args.model:
            predict_next_video(video, model=model, progress=False)  # warm-up: graph tracing, file cache
        for _ in range(args.repeats):
            for model in args.model:
                seconds[model].append(best_time(lambda: predict_next_video(video, model=model, progress=False), 1))
        for model in args.model:
            geometry = model_geometry(load_predictor(model))
            print(f"video: {video.name}, {info.width}x{info.height}, {frames} frames; model {model} at "
                  f"{geometry['size']}, {os.cpu_count()} CPU cores visible")
            decode = best_time(lambda: sum(1 for _ in iter_frames(video, size=geometry["size"],
                                                                  gray=geometry["gray"])), args.repeats)
            print(f"decode only        : {decode:6.2f} s  {frames / decode:7.1f} frames/s  (1.00x)")
            inside = min(seconds[model])
            print(f"predict_next_video : {inside:6.2f} s  {frames / inside:7.1f} frames/s  ({decode / inside:.2f}x "
                  "of decoding's rate)")
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "motionlab", "predict-next", str(video), "--model", model,
                                   "--json", "--quiet"], capture_output=True, text=True)
            whole = time.perf_counter() - start
            if done.returncode:
                print(done.stderr, file=sys.stderr)
                return done.returncode
            print(f"whole command      : {whole:6.2f} s  {frames / whole:7.1f} frames/s  ({decode / whole:.2f}x) -> "
                  f"{done.stdout.strip()[:90]}...")
    if len(args.model) > 1:
        first = args.model[0]
        print(f"predict_next_video time against {first}, fastest of {args.repeats} alternating rounds: "
              + ", ".join(f"{model} {min(seconds[model]) / min(seconds[first]):.2f}x" for model in args.model)
              + "; median " + ", ".join(f"{model} {np.median(seconds[model]) / np.median(seconds[first]):.2f}x"
                                       for model in args.model))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
