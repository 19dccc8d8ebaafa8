"""The real phone clips of ../shared/data/jumprope_unlabelled that we labelled ourselves (labels/README.md says how):
a framing and a style the counter never trained on (portrait 720x1280 phone video, 30 frames/s, basic two-foot
bounce), counted with `count`'s pipeline and scored in the labelled span and over the whole clip.

`python -m motionlab.jumps.phone_clips [--model M --label L]` writes models/jump_phone_results.json and prints the
table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cache import LABEL_DIR, MODELS_DIR
from ..progress import progress_bar
from .data import LABELLED_HERE_DIR, UNLABELLED_DIR, Clip, load_jump_labels
from .metrics import score_clip, summarise
from .results import store_run

RESULTS_PATH = MODELS_DIR / "jump_phone_results.json"  # what models/README_jumprope.md reports


def phone_clips(videos: Path = UNLABELLED_DIR, labels: Path = LABELLED_HERE_DIR) -> list[Clip]:
    """Return the clips of `videos` that have a labels file under labels/LABEL_DIR, sorted by name ([] when the
    videos' folder is absent)."""
    return [Clip(path.stem, videos / f"{path.stem}.mp4", path) for path in sorted((labels / LABEL_DIR).glob("*.npy"))
            if (videos / f"{path.stem}.mp4").is_file()]


def count_clips(clips: list[Clip], model_path: Path | None = None) -> list[dict]:
    """Return one row per clip: its name and score_clip's true, in-span and whole-clip counts (count's pipeline with
    the shipped counter, or the counter in model_path)."""
    from .counting import COUNTER_WEIGHTS, count_video, load_counter

    model = load_counter(model_path or COUNTER_WEIGHTS)
    rows = []
    for clip in progress_bar(clips, desc="counting phone clips", unit="clip"):
        result = count_video(clip.video, model, progress=False)
        rows.append({"clip": clip.name, **score_clip(result.frames, load_jump_labels(clip.labels, result.n_frames)),
                     "jumping_span_s": result.jumping_span_s})
    return rows


def stored_table(path: Path = RESULTS_PATH):
    """Return the stored runs as one pandas DataFrame: a row per (run, clip) with the true count, the count in the
    labelled span and over the whole clip."""
    import json

    import pandas as pd

    rows = [{"run": label, "clip": row["clip"], "true": row["true"], "in span": row["pred"],
             "whole clip": row["pred_whole_clip"]}
            for label, entry in json.loads(Path(path).read_text()).items() for row in entry["clips"]]
    return pd.DataFrame(rows).set_index(["run", "clip"])


def main(argv: list[str] | None = None) -> int:
    """Count the labelled phone clips, store the run and print it; 2 if there are none here."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label", default="shipped counter", help="name of this run in the results file")
    parser.add_argument("--model", type=Path, help="a counter (.keras) to use instead of the shipped one")
    args = parser.parse_args(argv)
    clips = phone_clips()
    if not clips:
        print(f"{UNLABELLED_DIR}: no labelled phone clips here (labels in {LABELLED_HERE_DIR / LABEL_DIR})")
        return 2
    rows = count_clips(clips, args.model)
    summary = summarise(rows)
    store_run(RESULTS_PATH, args.label, {"clips": rows, "summary": summary})
    for row in rows:
        print(f"{row['clip']:8s} true {row['true']:3d}  in span {row['pred']:3d}  whole clip {row['pred_whole_clip']:3d}")
    print(f"MAE in span {summary['mae']:.3f}, whole clip {summary['mae_whole_clip']:.3f}, within one "
          f"{summary['obo']:.2f} ({len(rows)} clips)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
