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
    parser.add_argument("--method", default="model",
                        help="model (default: a trained speed model) or geometry (no training: the road's flow "
                             "fitted with the camera's geometry; needs a calibrated --camera)")
    parser.add_argument("--camera", help="camera JSON for --method geometry (models/cameras/README.md; default "
                                         "models/cameras/default.json, the synthetic renders' camera)")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Write the speeds and say how many lines went where."""
    from ..speed.camera import DEFAULT_CAMERA_PATH
    from ..speed.predict import DEFAULT_MODEL, SMOOTHING_PAIRS, check_method, write_speeds, write_speeds_geometry

    if check_method(args.method) == "geometry":
        if args.model is not None:
            raise ValueError("--model is for --method model; --method geometry uses no model")
        lines = write_speeds_geometry(args.video, args.out, args.camera or DEFAULT_CAMERA_PATH,
                                      smoothing=args.smoothing, workers=args.workers)
        print(f"wrote {lines} speeds (m/s, one per frame) to {args.out}")
        return 0
    if args.camera is not None:
        raise ValueError("--camera is for --method geometry; a speed model carries its own camera")
    lines = write_speeds(args.video, args.out, args.model or DEFAULT_MODEL,
                         smoothing=SMOOTHING_PAIRS if args.smoothing is None else args.smoothing,
                         workers=args.workers)
    print(f"wrote {lines} speeds (m/s, one per frame) to {args.out}")
    return 0
