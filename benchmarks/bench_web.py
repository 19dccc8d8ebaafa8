"""The web app against the command line, in the same run, on the same synthetic 640x480 clips.

1. Upload to result through `serve` against the whole command (`count --json`, `speed --out`) for a 60 s clip:
   the first job of a server that has started (its workers loaded the models at start-up) and a second one.
   Target <= 1.2x.
2. Four different clips as four concurrent jobs against four sequential command-line runs: same results?
   Wall time with 1, 2 and 4 worker threads, beside two command-line processes at once (what a process pool
   would gain), to choose threads or processes.

Usage: python benchmarks/bench_web.py [--seconds 60] [--clips 4] [--clip-seconds 15] [--skip-speed]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import httpx
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
SIZE = (640, 480)  # (width, height) of every benchmark clip, pixels


def render_jump_clip(path: Path, seconds: float, seed: int) -> Path:
    """Render a synthetic jump-rope clip at 30 frames/s, resized to 640x480, and return its path."""
    from motionlab.synth.jumprope import JumpropeRenderer
    from motionlab.video import write_video

    renderer = JumpropeRenderer(seed, framing="landscape", fps=30.0, duration_s=seconds, style="alternate")
    write_video(path, (cv2.resize(frame, SIZE, interpolation=cv2.INTER_LINEAR) for frame in renderer.frames()),
                renderer.fps)
    return path


def render_drive(folder: Path, seconds: float) -> Path:
    """Render a synthetic 640x480 dashcam drive of `seconds` and return its path."""
    from motionlab.synth.dashcam import FPS, render_dashcam

    video, _ = render_dashcam(folder, "bench_drive", n_frames=int(seconds * FPS), seed=11, progress=False)
    return Path(video)


def timed_command(*args: str) -> tuple[float, str]:
    """Run `python -m motionlab ARGS`; return (wall seconds, stdout)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "motionlab", *args], capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


class Server:
    """`python -m motionlab serve` on a free loopback port with its data in a temporary folder."""

    def __init__(self, data: Path, workers: int):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen([sys.executable, "-m", "motionlab", "serve", "--port", str(port),
                                         "--workers", str(workers)], env={**os.environ, "MOTIONLAB_DATA": str(data)},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client = httpx.Client(base_url=self.url, timeout=600)
        deadline = time.time() + 180
        while True:  # until the server answers and its workers hold their models
            try:
                if self.client.get("/healthz").json()["models_ready"]:
                    break
            except httpx.TransportError:
                pass
            if time.time() > deadline or self.process.poll() is not None:
                raise RuntimeError("serve did not start with its models loaded")
            time.sleep(0.2)

    def run(self, video: Path, task: str, **options) -> tuple[float, dict]:
        """Upload, wait for the result; return (seconds from upload start to result, the job's final state)."""
        start = time.perf_counter()
        with open(video, "rb") as handle:
            answer = self.client.post("/api/jobs", data={"task": task, **options}, files={"file": (video.name, handle)})
        answer.raise_for_status()
        while True:
            state = self.client.get(f"/api/jobs/{answer.json()['id']}").json()
            if state["status"] in ("done", "failed"):
                if state["status"] == "failed":
                    raise RuntimeError(state["error"])
                return time.perf_counter() - start, state
            time.sleep(0.05)

    def close(self) -> None:
        """Stop the server."""
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=60)


def upload_to_result(folder: Path, task: str, video: Path, command: list[str], agree) -> None:
    """Print the command's time and the web's first and second upload-to-result times for one task and clip;
    agree(command stdout, web result) says whether both gave the same answer."""
    command_s, stdout = timed_command(*command)
    server = Server(folder / f"data_{task}", workers=2)
    try:
        cold_s, cold = server.run(video, task)
        warm_s, warm = server.run(video, task)
    finally:
        server.close()
    same = agree(stdout, cold["result"]) and agree(stdout, warm["result"])
    print(f"{task:5s} command line {command_s:6.1f} s | web first job {cold_s:6.1f} s ({cold_s / command_s:.2f}x) | "
          f"web next job {warm_s:6.1f} s ({warm_s / command_s:.2f}x) | same result: {same}")


def concurrency(folder: Path, clips: list[Path]) -> None:
    """Print four concurrent web jobs against four sequential command-line runs, for 1, 2 and 4 workers."""
    sequential_start = time.perf_counter()
    expected = [json.loads(timed_command("count", str(clip), "--json", "--quiet")[1]) for clip in clips]
    sequential_s = time.perf_counter() - sequential_start
    print(f"count x{len(clips)} sequential command lines: {sequential_s:6.1f} s, counts "
          f"{[result['count'] for result in expected]}")
    pair_start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda clip: timed_command("count", str(clip), "--json", "--quiet"), clips[:2]))
    pair_s = time.perf_counter() - pair_start
    one_s = sequential_s / len(clips)
    print(f"two command-line processes at once: {pair_s:6.1f} s for 2 clips (sequential ~{2 * one_s:.1f} s: "
          f"{2 * one_s / pair_s:.2f}x)")
    for workers in (1, 2, 4):
        server = Server(folder / f"data_workers{workers}", workers)
        try:
            start = time.perf_counter()
            with ThreadPoolExecutor(len(clips)) as pool:
                states = list(pool.map(lambda clip: server.run(clip, "count")[1], clips))
            wall = time.perf_counter() - start
        finally:
            server.close()
        same = [state["result"] for state in states] == expected
        print(f"web, {workers} worker thread(s): {len(clips)} concurrent jobs in {wall:6.1f} s "
              f"({sequential_s / wall:.2f}x the sequential command lines), same results as the command line: {same}")


def main() -> int:
    """Render the clips, run both comparisons and print one line per measurement."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the upload-to-result clip, s")
    parser.add_argument("--clips", type=int, default=4, help="concurrent jobs")
    parser.add_argument("--clip-seconds", type=float, default=15.0, help="length of each concurrent clip, s")
    parser.add_argument("--skip-speed", action="store_true", help="only the jump counter")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU cores visible; clips {SIZE[0]}x{SIZE[1]}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        jump_clip = render_jump_clip(folder / "jumps_60s.mp4", args.seconds, seed=4242)
        upload_to_result(folder, "count", jump_clip, ["count", str(jump_clip), "--json", "--quiet"],
                         lambda stdout, result: json.loads(stdout) == result)
        if not args.skip_speed:
            drive = render_drive(folder, args.seconds)
            speeds_file = folder / "speeds.txt"

            def same_speeds(stdout, result):
                return np.allclose(np.loadtxt(speeds_file), result["speeds_mps"], atol=1e-3)

            upload_to_result(folder, "speed", drive, ["speed", str(drive), "--out", str(speeds_file)], same_speeds)
        clips = [render_jump_clip(folder / f"jumps_{i}.mp4", args.clip_seconds, seed=500 + i)
                 for i in range(args.clips)]
        concurrency(folder, clips)
    return 0


if __name__ == "__main__":
    sys.exit(main())
