"""`python -m motionlab flow VIDEO --out FILE.npy`: write the N-1 Farneback flow fields of an N-frame video."""

from __future__ import annotations

from dataclasses import fields


def add_parser(subparsers) -> None:
    """Register `flow` with one option per FlowParams setting (defaults: the seed's)."""
    from ..flow.params import FlowParams

    parser = subparsers.add_parser(
        "flow", help="dense optical flow of a video: (N-1, H, W, 2) float16 .npy, pixels per frame",
        description="Write flow[i], from frame i to frame i+1, cropped to the road and resized, as .npy "
                    "(N-1, height, width, 2) float16, pixels per frame. Resumes after an interrupt.")
    parser.add_argument("video", help="input video (e.g. comma.ai's train.mp4)")
    parser.add_argument("--out", required=True, help="output .npy file")
    parser.add_argument("--workers", type=int, default=2, help="flow worker threads (0: none, all in the calling thread)")
    parser.add_argument("--processes", action="store_true",
                        help="spawned worker processes instead of threads (slower: each imports and starts alone)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    defaults = FlowParams()
    for field in fields(FlowParams):
        default = getattr(defaults, field.name)
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=type(default), default=default,
                            metavar=field.name.upper(), help=f"FlowParams.{field.name} (default {default:g})")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Compute the flow and print where it went and its shape."""
    import numpy as np

    from ..flow.params import FlowParams
    from ..flow.pipeline import write_video_flow

    params = FlowParams(**{field.name: getattr(args, field.name) for field in fields(FlowParams)})
    out = write_video_flow(args.video, args.out, params, workers=args.workers, progress=not args.quiet,
                           processes=args.processes)
    flow = np.load(out, mmap_mode="r")
    print(f"wrote {out}: {flow.shape[0]} flow fields of {flow.shape[1]}x{flow.shape[2]}, float16 pixels per frame")
    return 0
