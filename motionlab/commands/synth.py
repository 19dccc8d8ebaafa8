"""`python -m motionlab synth dashcam|jumprope --out DIR ...`: render the built-in synthetic data."""

from __future__ import annotations

from pathlib import Path

from ..cache import check_output_path
from ..synth.jumprope import VIEWS
from ..synth.jumprope_framing import FRAMING_EFFECTS
from ..synth.jumprope_plan import STYLES


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
    dashcam.add_argument("--camera", help="camera JSON (focal_px, cx, cy, camera_height_m, pitch_deg, hood_row, "
                                          "width_px, height_px; models/cameras/README.md); default: the built-in "
                                          "640x480 camera")
    dashcam.add_argument("--fps", type=float, default=20.0, help="frames per second (default 20, comma.ai's)")
    dashcam.set_defaults(run=run_dashcam)
    jumprope = kinds.add_parser("jumprope", help="jump-rope clips with per-jump labels: DIR/speed_videos/*.mp4 + "
                                                 "DIR/speed_annotations/*.npy (landing frame indices)")
    jumprope.add_argument("--out", required=True, help="output folder")
    jumprope.add_argument("--videos", type=int, default=20, help="number of clips")
    jumprope.add_argument("--seed", type=int, default=0, help="seed of the first clip")
    jumprope.add_argument("--view", choices=VIEWS, default="front",
                          help="camera in front of the athlete, beside, or in between")
    jumprope.add_argument("--style", choices=STYLES, help="one style for every clip (default: drawn per clip)")
    jumprope.add_argument("--effect", choices=list(FRAMING_EFFECTS), default="plain",
                          help="framing: small athlete, picture-in-picture, letterbox with captions, handheld phone")
    jumprope.set_defaults(run=run_jumprope)


def run_dashcam(args) -> int:
    """Render one synthetic drive and print where it went."""
    from ..synth.dashcam import check_camera, render_dashcam

    camera = None
    if args.camera is not None:
        from ..speed.camera import load_camera

        camera = load_camera(args.camera)
        try:
            check_camera(camera)
        except ValueError as error:
            raise ValueError(f"{args.camera}: {error}") from None
    video, labels = render_dashcam(args.out, args.name, n_frames=args.frames, speeds_file=args.speeds, seed=args.seed,
                                   fps=args.fps, camera=camera)
    print(f"wrote {video} and {labels}")
    return 0


def run_jumprope(args) -> int:
    """Render the clips and say where they went."""
    from ..cache import LABEL_DIR, VIDEO_DIR
    from ..synth.jumprope import render_jumprope_set

    if args.videos < 1:
        raise ValueError(f"--videos must be at least 1, got {args.videos}")
    check_output_path(Path(args.out) / VIDEO_DIR / "clip.mp4")
    paths = render_jumprope_set(args.out, args.videos, args.seed, view=args.view, style=args.style, effect=args.effect)
    print(f"wrote {len(paths)} clips to {Path(args.out) / VIDEO_DIR} with labels in {Path(args.out) / LABEL_DIR}")
    return 0
