"""`python -m motionlab predict-next VIDEO`: predict each next frame of a video and score it against copy-last."""

from __future__ import annotations

import json
import os
import sys


def add_parser(subparsers) -> None:
    """Register `predict-next`."""
    parser = subparsers.add_parser("predict-next", help="predict the next frames of a video and score them")
    parser.add_argument("video", help="video file")
    parser.add_argument("--model", default="video",
                        help="dis_blend (real footage, no training: the best here, 0.870x copy-last's MSE held out), "
                             "flow_blend, flow_warp, video (the learned 64x64 gray model), video_color (96x96 "
                             "colour), moving_mnist, or a .keras file (default: video)")
    parser.add_argument("--context", type=int, help="frames seen before each prediction (default: the model's)")
    parser.add_argument("--steps", type=int, help="frames predicted at each position (default: the model's)")
    parser.add_argument("--out", help="write a side-by-side video here: truth | prediction (first predicted step)")
    parser.add_argument("--json", action="store_true",
                        help='print one JSON object: {"model", "frames", "size", "context", "steps", "mse", '
                             '"mse_copy_last", "ssim", "ssim_copy_last"}')
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Predict, score and print (TensorFlow loads only after the options and the video check out)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from ..nextframe.predict import predict_next_video

    result = predict_next_video(args.video, model=args.model, context=args.context, steps=args.steps, out=args.out,
                                progress=not args.quiet)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.video}: {result['frames']} frames at {result['size'][0]}x{result['size'][1]}, "
              f"{result['context']} in -> {result['steps']} out with {result['model']}: MSE per frame "
              f"{result['mse']:.2f} (copy-last {result['mse_copy_last']:.2f}), SSIM {result['ssim']:.3f} "
              f"(copy-last {result['ssim_copy_last']:.3f})")
    sys.stdout.flush()
    return 0
