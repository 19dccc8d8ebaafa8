"""Peak memory of `python -m motionlab count` as videos get longer: a 1920x1080 clip of 1 and 3 minutes (issue 11:
a three-minute 1080p event must fit in 2 GB), with the frames per second of the whole command beside it.

Each length is rendered once (a synthetic speed step, upscaled to 1080p), counted in a fresh process, and measured
by the peak resident memory the operating system reports for that process (ru_maxrss).

Usage: python benchmarks/bench_count_memory.py [--minutes 1 3] [--fps 30] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

SIZE = (1920, 1080)  # (width, height) of the rendered clips, pixels: 1080p


def make_clip(folder: Path, minutes: float, fps: float) -> Path:
    """Render a synthetic jump-rope clip of `minutes` at fps, upscaled to 1080p, and return its path (kept if there)."""
    from motionlab.synth.jumprope import JumpropeRenderer
    from motionlab.video import write_video

    path = folder / f"bench_1080p_{minutes:g}min_{fps:g}fps.mp4"
    if not path.exists():
        renderer = JumpropeRenderer(4243, framing="landscape", fps=fps, duration_s=minutes * 60, style="alternate")
        frames = (cv2.resize(frame, SIZE, interpolation=cv2.INTER_LINEAR) for frame in renderer.frames())
        write_video(path, frames, renderer.fps)
    return path


def peak_memory_of(command: list[str]) -> tuple[float, float, str]:
    """Run command in a child process; return (its peak resident memory in GiB, wall seconds, its stdout)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip().splitlines()[-1:]}")
    # each measured command runs alone after the previous one ended, so the children's maximum is this child's
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak_kib / 2 ** 20, seconds, done.stdout


def main() -> int:
    """Render, count and print one line per video length."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 3.0], help="clip lengths, minutes")
    parser.add_argument("--fps", type=float, default=30.0, help="frame rate of the rendered clips")
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the rendered clips in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for minutes in sorted(args.minutes):  # ascending: RUSAGE_CHILDREN keeps the largest child's peak
            video = make_clip(folder, minutes, args.fps)
            frames = int(round(minutes * 60 * args.fps))
            gib, seconds, out = peak_memory_of([sys.executable, "-m", "motionlab", "count", str(video), "--quiet"])
            print(f"{minutes:g} min of 1920x1080 at {args.fps:g} frames/s ({frames} frames): peak memory {gib:.2f} GiB,"
                  f" {seconds:.1f} s, {frames / seconds:.1f} frames/s whole command -> {out.strip()[:40]}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
