"""`python -m motionlab classify VIDEO_OR_DIR [--model weizmann|gestures|PATH] [--json]`: what happens in a video."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def add_parser(subparsers) -> None:
    """Register `classify`."""
    parser = subparsers.add_parser("classify", help="classify the action in a video, or in every video of a folder")
    parser.add_argument("video", help="a video file, or a folder searched recursively for videos")
    parser.add_argument("--model", default="weizmann",
                        help="weizmann (default: the ten Weizmann actions, read from silhouette videos: white "
                             "figure on black), gestures (three arm gestures, colour video; only where "
                             "models/action_gestures.keras exists) or a .keras file of the same input and classes")
    parser.add_argument("--json", action="store_true",
                        help='print JSON: {"video", "label", "probabilities"} for a file, a list of them for a folder')
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def videos_to_classify(target: str | os.PathLike) -> list[Path]:
    """Return [the video] or every video under a folder (sorted, recursive); raise ValueError for an empty folder."""
    from ..clips.folder import is_video
    from ..video import probe_video

    target = Path(target)
    if not target.is_dir():
        probe_video(target)  # a missing, empty or unreadable file fails here in one line
        return [target]
    found = sorted(p for p in target.rglob("*") if p.is_file() and is_video(p))
    if not found:
        raise ValueError(f"{target}: no video files in this folder")
    for video in found:
        probe_video(video)  # every file checked before any model loads
    return found


def format_table(results: list[dict]) -> str:
    """Return one line per video: the label, its probability and the runner-up."""
    width = max(len(r["video"]) for r in results)
    lines = []
    for result in results:
        ranked = sorted(result["probabilities"].items(), key=lambda item: -item[1])
        second = f"  (then {ranked[1][0]} {ranked[1][1]:.2f})" if len(ranked) > 1 else ""
        lines.append(f"{result['video']:<{width}}  {result['label']:<12} {ranked[0][1]:.2f}{second}")
    return "\n".join(lines)


def run(args) -> int:
    """Classify one video or a folder and print a table or JSON; bad input fails before TensorFlow loads."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from ..actions.predict import resolve_model

    videos = videos_to_classify(args.video)
    resolve_model(args.model)
    from ..actions.predict import classify_video, load_action_model
    from ..progress import progress_bar

    model = load_action_model(args.model)
    single = not Path(args.video).is_dir()
    results = [classify_video(video, model, progress=single and not args.quiet)
               for video in progress_bar(videos, desc="classifying", unit="video",
                                         enabled=not single and not args.quiet)]
    if args.json:
        print(json.dumps(results[0] if single else results))
    else:
        print(format_table(results))
    sys.stdout.flush()
    return 0
