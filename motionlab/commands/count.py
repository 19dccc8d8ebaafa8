"""`python -m motionlab count VIDEO [--json]`: count the jumps in any readable jump-rope video."""

from __future__ import annotations

import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor


def add_parser(subparsers) -> None:
    """Register `count`."""
    parser = subparsers.add_parser("count", help="count jump-rope jumps in a video (any size and frame rate)")
    parser.add_argument("video", help="video file")
    parser.add_argument("--json", action="store_true",
                        help='print one JSON object: {"count": N, "frames": [jump frame indices], "fps": F}')
    parser.add_argument("--weights", help="counter weights (.keras); default: the shipped models/jump_counter.keras")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Count one video and print the result; the video decodes in a thread while TensorFlow and the model load.

    The video and the weights file are checked first (milliseconds, no TensorFlow); if the loaded model then turns
    out not to be a counter, the decoding stops at once."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from ..jumps.data import read_counter_frames
    from ..jumps.weights import check_counter_file
    from ..video import probe_video

    probe_video(args.video)  # a clear error for a missing or unreadable file before anything slow starts
    weights = check_counter_file(args.weights) if args.weights else None
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        decoding = pool.submit(read_counter_frames, args.video, progress=not args.quiet, stop=stop)
        try:
            from ..jumps.counting import COUNTER_WEIGHTS, count_video, load_counter

            model = load_counter(weights or COUNTER_WEIGHTS)
        except BaseException:
            stop.set()  # a bad model, or Ctrl-C: do not wait for the whole video to decode
            raise
        result = count_video(args.video, model, decoded=decoding.result())
    if args.json:
        print(json.dumps(result.as_json()))
    else:
        seconds = result.n_frames / result.fps
        span = result.jumping_span_s
        where = f", jumping from {span[0]:.1f} s to {span[1]:.1f} s" if span else ""
        print(f"{result.count} jumps in {args.video} ({result.n_frames} frames, {seconds:.1f} s at "
              f"{result.fps:.2f} frames/s{where})")
    sys.stdout.flush()
    return 0
