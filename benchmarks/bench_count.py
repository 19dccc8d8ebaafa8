"""Throughput of `python -m motionlab count`: frames per second from video file to jump list, on 2 CPU cores.

Times the whole command (Python start, TensorFlow import, model load, decode, motion crop, windows, peaks) and,
in-process, count_video alone with the model already loaded. Default input: a synthetic 1280x720 clip at 30
frames/s (like the real clips' largest size); pass --video for any other file.

Usage: python benchmarks/bench_count.py [--video FILE] [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2


def make_clip(folder: Path, seconds: float) -> Path:
    """Render a synthetic jump-rope clip, upscaled to 1280x720, and return its path."""
    from motionlab.synth.jumprope import JumpropeRenderer
    from motionlab.video import write_video

    renderer = JumpropeRenderer(4242, framing="landscape", fps=30.0, duration_s=seconds, style="alternate")
    frames = (cv2.resize(frame, (1280, 720), interpolation=cv2.INTER_LINEAR) for frame in renderer.frames())
    path = folder / "bench_720p.mp4"
    write_video(path, frames, renderer.fps)
    return path


def main() -> int:
    """Run the benchmark and print one line per measurement."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", type=Path, help="video to count (default: a rendered 1280x720 clip)")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the rendered clip, s")
    args = parser.parse_args()
    from motionlab.jumps.counting import count_video, load_counter
    from motionlab.video import count_frames, probe_video

    with tempfile.TemporaryDirectory() as folder:
        video = args.video or make_clip(Path(folder), args.seconds)
        frames = count_frames(video)
        info = probe_video(video)
        print(f"video: {video.name}, {info.width}x{info.height}, {frames} frames at {info.fps:.2f} frames/s, "
              f"{os.cpu_count()} CPU cores visible")
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "motionlab", "count", str(video), "--json", "--quiet"],
                              capture_output=True, text=True)
        whole = time.perf_counter() - start
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        print(f"whole command : {whole:6.2f} s  {frames / whole:6.1f} frames/s  -> {done.stdout.strip()[:60]}...")
        model = load_counter()
        count_video(video, model, progress=False)  # warm-up: graph tracing, file cache
        start = time.perf_counter()
        result = count_video(video, model, progress=False)
        inside = time.perf_counter() - start
        print(f"count_video   : {inside:6.2f} s  {frames / inside:6.1f} frames/s  ({result.count} jumps)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
