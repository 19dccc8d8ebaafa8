"""Throughput of action classification and of the clip dataset, each against a baseline measured in the same run.

1. `classify`: frames per second from video files to labels with the shipped model loaded, against decoding the
   same videos alone (the floor no classifier can beat), and the whole command on a folder (Python start,
   TensorFlow import and model load included).
2. ClipDataset: training batches per second (decode cached, crop, one augmentation per clip) against the model's
   training steps per second on batches of the same shape; a ratio above 1 means `fit` never waits for data.

Input: the Weizmann videos when ../shared/data/weizmann is present, else the synthetic stick figures.
Usage: python benchmarks/bench_clips.py [--model weizmann] [--videos 20] [--steps 20]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(function, *args, **kwargs) -> tuple[float, object]:
    """Return (seconds, result) of one call."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> int:
    """Run both benchmarks and print one line per measurement."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="weizmann", help="shipped model name or .keras path")
    parser.add_argument("--videos", type=int, default=20, help="videos to classify")
    parser.add_argument("--steps", type=int, default=20, help="training batches to time")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np

    from motionlab.actions.data import load_action_data
    from motionlab.actions.models import build_model
    from motionlab.actions.predict import classify_video, decode_for, load_action_model
    from motionlab.actions.recipes import AUGMENTATION, TRAIN_STRIDE
    from motionlab.clips import ClipDataset
    from motionlab.video import count_frames

    data = load_action_data("weizmann")
    paths, labels, names = data.videos()
    videos = paths[:: max(1, len(paths) // args.videos)][: args.videos]
    frames = sum(count_frames(v) for v in videos)
    print(f"{len(videos)} {data.name} videos, {frames} frames, {os.cpu_count()} CPU cores visible")

    model = load_action_model(args.model)
    classify_video(videos[0], model, progress=False)  # warm-up: graph tracing
    decode_s, _ = timed(lambda: [decode_for(model, v) for v in videos])
    classify_s, _ = timed(lambda: [classify_video(v, model, progress=False) for v in videos])
    print(f"decoding alone        : {decode_s:6.2f} s  {frames / decode_s:7.1f} frames/s")
    print(f"classify (model ready): {classify_s:6.2f} s  {frames / classify_s:7.1f} frames/s  "
          f"({decode_s / classify_s:.2f}x decoding's rate)")
    with tempfile.TemporaryDirectory() as folder:
        for video in videos:
            os.symlink(Path(video).resolve(), Path(folder) / f"{Path(video).parent.name}_{Path(video).name}")
        command_s, done = timed(subprocess.run, [sys.executable, "-m", "motionlab", "classify", folder, "--json",
                                                 "--quiet", "--model", args.model], capture_output=True, text=True)
    if done.returncode:
        print(done.stderr, file=sys.stderr)
        return done.returncode
    print(f"classify, whole command on the folder: {command_s:6.2f} s  {frames / command_s:7.1f} frames/s")

    from dataclasses import replace

    sampling = replace(model.spec.sampling, stride=TRAIN_STRIDE)
    train = ClipDataset(paths, labels, names, sampling, 16, augmentation=AUGMENTATION, shuffle=True)
    steps = min(args.steps, len(train))
    batches_s, batches = timed(lambda: [train[i] for i in range(steps)])
    network = build_model("cnn_gru", sampling.sample_shape, len(names))
    network.train_on_batch(*batches[0])  # warm-up: graph tracing
    train_s, _ = timed(lambda: [network.train_on_batch(*b) for b in batches])
    print(f"dataset: {steps / batches_s:6.1f} batches/s of {batches[0][0].shape}; model cnn_gru: "
          f"{steps / train_s:6.1f} steps/s; data/model = {train_s / batches_s:.1f}x")
    return 0 if np.isfinite(train_s) else 1


if __name__ == "__main__":
    sys.exit(main())
