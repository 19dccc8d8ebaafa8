"""`python -m motionlab speed VIDEO --out FILE`: one speed per frame (m/s), the format of comma.ai's test.txt."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    """Register `speed`."""
    parser = subparsers.add_parser("speed", help="estimate the speed of every frame of a dashcam video")
    parser.add_argument("video", help="any video OpenCV reads (any resolution)")
    parser.add_argument("--out", required=True, help="text file: one speed per line, m/s, as many lines as frames")
    parser.add_argument("--model", help="a .keras speed model (default: the shipped models/speed_flow_cnn.keras)")
    parser.add_argument("--smoothing", type=int, help="moving-average window in frames (default: the tuned one)")
    parser.add_argument("--workers", type=int, default=2, help="flow worker processes (0: in this process)")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Write the speeds and say how many lines went where."""
    from ..speed.predict import DEFAULT_MODEL, SMOOTHING_PAIRS, write_speeds

    lines = write_speeds(args.video, args.out, args.model or DEFAULT_MODEL,
                         smoothing=SMOOTHING_PAIRS if args.smoothing is None else args.smoothing,
                         workers=args.workers)
    print(f"wrote {lines} speeds (m/s, one per frame) to {args.out}")
    return 0
