"""False jumps where nobody jumps with a rope: `python -m motionlab.jumps.no_jumps`.

Counts, with the `count` pipeline and the shipped counter, videos in which the right answer is zero: frames with no
motion at all (black, uniform grey) and static noise (rendered here), the real clips of
../shared/data/jumprope_unlabelled where nobody jumps with a rope (jump14: swinging the rope and walking; jump2:
jumping with no rope, mimed; jumping: five people jumping without ropes), and the 37 QUVA videos of other repeated
motions (none of them jump rope), split into the half a counter may train on and the held-out half
(motionlab.jumps.negatives). Writes models/jump_no_jumps_results.json and prints the table.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from ..cache import MODELS_DIR
from ..progress import progress_bar
from ..video import write_video
from .data import UNLABELLED_DIR
from .negatives import QUVA_DIR, quva_held_out, quva_videos
from .results import store_run

RESULTS_PATH = MODELS_DIR / "jump_no_jumps_results.json"  # what the README and notebook 04 report
NO_ROPE_CLIPS = {"jump14": "swinging the rope and walking", "jump2": "jumping with no rope (mimed)",
                 "jumping": "five people jumping without ropes"}  # from that folder's README
QUVA_HALVES = {False: "QUVA training half", True: "QUVA held-out half"}  # kind of a QUVA video, by its side
STILL_SECONDS = 10  # length of each rendered no-motion video, s
STILL_FPS = 30  # frame rate of the rendered no-motion videos
STILL_SIZE = (360, 640)  # (height, width) of the rendered no-motion videos, pixels


def still_videos(folder: Path) -> dict[str, Path]:
    """Render the no-motion videos (black, uniform grey, static noise) into folder; return {name: path}."""
    frames = STILL_SECONDS * STILL_FPS
    rng = np.random.default_rng(0)
    makers = {"black frame": lambda: np.zeros((*STILL_SIZE, 3), np.uint8),
              "uniform grey frame": lambda: np.full((*STILL_SIZE, 3), 128, np.uint8),
              "static noise": lambda: rng.integers(0, 256, (*STILL_SIZE, 3), np.uint8)}
    paths = {}
    for name, make in makers.items():
        paths[name] = folder / f"{name.replace(' ', '_')}.mp4"
        write_video(paths[name], (make() for _ in range(frames)), STILL_FPS)
    return paths


def no_jump_videos(folder: Path) -> dict[str, tuple[str, Path]]:
    """Return {name: (kind, video)} of every video whose right count is zero that exists here."""
    videos = {name: ("no motion", path) for name, path in still_videos(folder).items()}
    for name, what in NO_ROPE_CLIPS.items():
        path = UNLABELLED_DIR / f"{name}.mp4"
        if path.exists():
            videos[name] = (what, path)
    if QUVA_DIR.is_dir():
        for held_out, kind in QUVA_HALVES.items():
            videos.update({path.stem: (kind, path) for path in quva_videos(held_out)})
    else:
        print(f"{QUVA_DIR}: not here; QUVA videos skipped")
    return videos


def count_all(videos: dict[str, tuple[str, Path]], model_path: Path | None = None) -> dict[str, dict]:
    """Return {name: {"kind", "count", "seconds"}} counted with `count`'s pipeline and the shipped counter (or the
    counter in model_path)."""
    from .counting import COUNTER_WEIGHTS, count_video, load_counter

    model = load_counter(model_path or COUNTER_WEIGHTS)
    results = {}
    for name, (kind, path) in progress_bar(videos.items(), desc="counting no-jump videos", unit="video"):
        result = count_video(path, model, progress=False)
        results[name] = {"kind": kind, "count": result.count, "seconds": round(result.n_frames / result.fps, 1)}
    return results


def summary(results: dict[str, dict]) -> dict[str, dict]:
    """Return, per kind of video, {"videos", "false jumps", "at most one"}: how many clips stay within one."""
    kinds = {}
    for entry in results.values():
        row = kinds.setdefault(entry["kind"], {"videos": 0, "false jumps": 0, "at most one": 0})
        row["videos"] += 1
        row["false jumps"] += entry["count"]
        row["at most one"] += entry["count"] <= 1
    return kinds


def stored_summary(path: Path = RESULTS_PATH):
    """Return the stored runs as one pandas DataFrame: a row per (kind of video, run), videos, false jumps and
    videos with at most one."""
    import pandas as pd

    def split_quva(videos: dict[str, dict]) -> dict[str, dict]:  # runs from before the split: QUVA by half too
        return {name: {**entry, "kind": QUVA_HALVES[quva_held_out(Path(name))]} if entry["kind"].startswith("QUVA")
                else entry for name, entry in videos.items()}

    rows = [{"kind": kind, "run": label, **row} for label, entry in json.loads(Path(path).read_text()).items()
            for kind, row in summary(split_quva(entry["videos"])).items()]
    return pd.DataFrame(rows).set_index(["kind", "run"]).sort_index(level=0, sort_remaining=False)


def main() -> None:
    """Count every no-jump video, write the results file and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label", default="shipped", help="name of this run in the results file")
    parser.add_argument("--model", type=Path, help="a counter (.keras) to use instead of the shipped one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = count_all(no_jump_videos(Path(folder)), args.model)
    store_run(RESULTS_PATH, args.label, {"videos": results, "by_kind": summary(results)})
    for name, entry in results.items():
        print(f"{name:28s} {entry['kind']:36s} {entry['count']:4d} jumps in {entry['seconds']:5.1f} s")
    for kind, row in summary(results).items():
        print(f"{kind:36s} {row['videos']:3d} videos, {row['false jumps']:4d} false jumps, {row['at most one']} at most one")


if __name__ == "__main__":
    main()
