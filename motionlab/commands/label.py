"""`python -m motionlab label VIDEO`: play a video slowly in a window and press `s` at every jump."""

from __future__ import annotations

MAX_SPEED = 4.0  # fastest playback --speed accepts, fraction of real time (faster is no use for labelling)


def add_parser(subparsers) -> None:
    """Register `label`."""
    parser = subparsers.add_parser("label", help="label jumps by hand: s = jump, u = undo, space = pause, "
                                                 "arrows = step, q = save and quit")
    parser.add_argument("video", help="video file")
    parser.add_argument("--out", help="labels .npy (default: ../speed_annotations/NAME.npy for a video in "
                                      "speed_videos/, else NAME.npy beside the video)")
    parser.add_argument("--speed", type=float, help="playback speed, fraction of real time (default: "
                                                    "motionlab.jumps.labelling.PLAYBACK_SPEED, a third)")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Open the labelling window and report where the labels went."""
    from ..jumps.data import load_jump_labels
    from ..jumps.labelling import PLAYBACK_SPEED, label_window

    speed = PLAYBACK_SPEED if args.speed is None else args.speed
    if not 0 < speed <= MAX_SPEED:
        raise ValueError(f"--speed must be in (0, {MAX_SPEED:g}], got {speed}")
    path = label_window(args.video, args.out, speed)  # checks the video and --out before decoding
    print(f"saved {len(load_jump_labels(path))} jumps to {path}")
    return 0
