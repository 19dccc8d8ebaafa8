"""`python -m motionlab frames VIDEO [--jpegs DIR --labels FILE]`: decode once into the frame cache (or the seed's JPEGs)."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    """Register `frames`."""
    parser = subparsers.add_parser("frames", help="extract cropped, resized frames into the cache (resumable)")
    parser.add_argument("video", help="any video OpenCV reads")
    parser.add_argument("--jpegs", help="instead, write the seed's layout here: frames/<i>.jpg + driving.csv")
    parser.add_argument("--labels", help="with --jpegs: one speed per line (m/s), for driving.csv")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Extract and say where the frames went."""
    from ..frames import export_jpegs, extract_frames

    if args.jpegs:
        if not args.labels:
            raise ValueError("--jpegs needs --labels (one speed per frame) to write driving.csv")
        print(f"wrote {export_jpegs(args.video, args.labels, args.jpegs)}")
        return 0
    frames = extract_frames(args.video)
    print(f"{len(frames)} frames {frames.shape[1:]} cached at {frames.filename}")
    return 0
