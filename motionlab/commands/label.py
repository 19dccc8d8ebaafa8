"""`python -m motionlab label VIDEO`: play a video slowly in a window and press `s` at every jump."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    """Register `label`."""
    parser = subparsers.add_parser("label", help="label jumps by hand: s = jump, u = undo, space = pause, "
                                                 "arrows = step, q = save and quit")
    parser.add_argument("video", help="video file")
    parser.add_argument("--out", help="labels .npy (default: ../speed_annotations/NAME.npy for a video in "
                                      "speed_videos/, else NAME.npy beside the video)")
    parser.add_argument("--speed", type=float, default=0.33, help="playback speed, fraction of real time")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Open the labelling window and report where the labels went."""
    from ..jumps.labelling import label_window
    from ..jumps.data import load_jump_labels

    if not 0 < args.speed <= 4:
        raise ValueError(f"--speed must be in (0, 4], got {args.speed}")
    path = label_window(args.video, args.out, args.speed)
    print(f"saved {len(load_jump_labels(path))} jumps to {path}")
    return 0
