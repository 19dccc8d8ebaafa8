"""`python -m motionlab synth dashcam|jumprope --out DIR ...`: render the built-in synthetic data."""

from __future__ import annotations

import importlib


def add_parser(subparsers) -> None:
    """Register `synth` and its kinds of synthetic data."""
    parser = subparsers.add_parser("synth", help="render synthetic videos with known labels")
    kinds = parser.add_subparsers(dest="kind", required=True)
    dashcam = kinds.add_parser("dashcam", help="dashcam drive at known speeds: DIR/NAME.mp4 + DIR/NAME.txt (m/s)")
    dashcam.add_argument("--out", required=True, help="output folder")
    source = dashcam.add_mutually_exclusive_group()
    source.add_argument("--frames", type=int, default=1200, help="number of frames of a random speed trace")
    source.add_argument("--speeds", help="render exactly this trace: one speed per line, m/s (comma.ai train.txt)")
    dashcam.add_argument("--seed", type=int, default=0, help="scene and trace seed")
    dashcam.add_argument("--name", help="file stem (default dashcam_SEED)")
    dashcam.set_defaults(run=run_dashcam)
    try:  # the jump-rope renderer registers itself when present
        importlib.import_module("motionlab.synth.jumprope").add_parser(kinds)
    except ModuleNotFoundError as error:
        if error.name != "motionlab.synth.jumprope":
            raise


def run_dashcam(args) -> int:
    """Render one synthetic drive and print where it went."""
    from ..synth.dashcam import render_dashcam

    video, labels = render_dashcam(args.out, args.name, n_frames=args.frames, speeds_file=args.speeds, seed=args.seed)
    print(f"wrote {video} and {labels}")
    return 0
