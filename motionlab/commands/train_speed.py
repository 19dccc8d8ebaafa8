"""`python -m motionlab train-speed VIDEO LABELS --out MODEL.keras`: a speed model trained on your own labelled video."""

from __future__ import annotations

import json


def add_parser(subparsers) -> None:
    """Register `train-speed`."""
    parser = subparsers.add_parser("train-speed", help="train a speed model on your own video and its speeds")
    parser.add_argument("video", help="a dashcam video OpenCV reads")
    parser.add_argument("labels", help="its speeds: one per frame, m/s, one per line (comma.ai's train.txt)")
    parser.add_argument("--out", required=True, help="the trained model (.keras); use it with speed --model")
    parser.add_argument("--camera", help="the camera JSON, to score the geometry estimator beside the model")
    parser.add_argument("--epochs", type=int, default=30, help="most epochs (early stopping usually ends sooner)")
    parser.add_argument("--steps", type=int, help="batches per epoch (default: every training pair once)")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object on stdout")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Train, save and print the closing report."""
    from ..speed.own_video import check_training_inputs, format_report, train_on_video

    camera = None
    if args.camera is not None:
        from ..speed.camera import load_camera

        camera = load_camera(args.camera)
    check_training_inputs(args.video, args.labels, args.out, args.epochs, args.steps)
    if camera is not None:
        from ..video import probe_video

        info = probe_video(args.video)
        camera = camera.for_frame(info.width, info.height, args.camera)
    report = train_on_video(args.video, args.labels, args.out, args.epochs, args.steps, camera,
                            progress=not args.json, verbose=0 if args.json else 1)
    if args.json:
        print(json.dumps(report))
    else:
        print(format_report(report))
        print(f"wrote {args.out}")
    return 0
