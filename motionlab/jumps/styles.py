"""The counter per style and per framing, on synthetic clips no model here trains on or chooses anything with:
`python -m motionlab.jumps.styles [--model PATH] [--label NAME] [--grid report|selection]`.

Every style the renderer draws (two-foot bounce, alternating speed step, double-under) is filmed under every
framing below (aspect ratios, a side view, frame rates, and the framing effects of motionlab.synth.jumprope_framing);
each clip is counted with `count`'s pipeline and scored against its known jumps, inside the jumping span and over
the whole clip. Results go to models/jump_styles_results.json, one entry per --label. `--grid selection` counts the
same grid drawn from other seeds (models/jump_styles_selection.json): counters and settings are chosen there, so the
reported grid chooses nothing.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..cache import LABEL_DIR, MODELS_DIR, VIDEO_DIR
from ..progress import progress_bar
from .data import SYNTH_DIR, load_jump_labels
from .metrics import score_clip, summarise
from .results import store_run

RESULTS_PATH = MODELS_DIR / "jump_styles_results.json"  # what the README reports
STYLES_DIR = SYNTH_DIR.parent / "jumprope_styles"  # where the clips are rendered (once)
STYLES = ("bounce", "alternate", "double_under")  # the renderer's styles (motionlab.synth.jumprope_plan.STYLES)
FRAMINGS = {  # framing -> renderer options
    "landscape": {"framing": "landscape"},
    "portrait": {"framing": "portrait"},
    "side view": {"view": "side"},
    "15 frames/s": {"fps": 15.0},
    "60 frames/s": {"fps": 60.0},
    "small athlete": {"effect": "small"},
    "picture-in-picture": {"effect": "pip"},
    "letterbox, captions": {"effect": "letterbox"},
    "handheld phone": {"effect": "handheld"},
}
CLIPS_PER_CELL = 2  # clips per (style, framing): 54 in all, about 6 minutes on one core; a runtime bound
FIRST_SEED = 5000  # seeds 5000-5053: no training (seeds 0-4 x 100003 + i), selection (9) or explanation (31) set
SELECTION_DIR = SYNTH_DIR.parent / "jumprope_styles_select"  # the same grid from other seeds: it chooses, never reported
SELECTION_FIRST_SEED = 6000  # seeds 6000-6053 for the selection grid (disjoint from every other set)
SELECTION_RESULTS_PATH = MODELS_DIR / "jump_styles_selection.json"  # the selection grid's runs (what chose what)
GRIDS = {"report": (STYLES_DIR, FIRST_SEED, RESULTS_PATH),  # --grid: where it renders, from which seed, its results
         "selection": (SELECTION_DIR, SELECTION_FIRST_SEED, SELECTION_RESULTS_PATH)}
DURATION_S = 8.0  # length of each clip, s


def render_grid(folder: Path = STYLES_DIR, first_seed: int = FIRST_SEED) -> list[tuple[str, str, Path, Path]]:
    """Render (once) every clip of the grid into folder from first_seed on; return [(style, framing, video, labels)]."""
    from ..synth.jumprope import render_jumprope

    cells = [(style, framing, number) for style in STYLES for framing in FRAMINGS for number in range(CLIPS_PER_CELL)]
    clips = []
    for index, (style, framing, number) in enumerate(progress_bar(cells, desc="render style clips", unit="clip")):
        name = f"{style}-{framing.replace(' ', '_').replace(',', '').replace('/', '')}-{number}"
        video, labels = folder / VIDEO_DIR / f"{name}.mp4", folder / LABEL_DIR / f"{name}.npy"
        if not (video.exists() and labels.exists()):
            video, labels = render_jumprope(folder, name, seed=first_seed + index, style=style, duration_s=DURATION_S,
                                            **FRAMINGS[framing])
        clips.append((style, framing, video, labels))
    return clips


def count_grid(clips, model_path: Path | None = None, **options) -> list[dict]:
    """Return one row per clip: style, framing, true count, count in the jumping span and over the whole clip
    (options: count_video's)."""
    from .counting import COUNTER_WEIGHTS, count_video, load_counter

    model = load_counter(model_path or COUNTER_WEIGHTS)
    rows = []
    for style, framing, video, labels in progress_bar(clips, desc="count style clips", unit="clip"):
        result = count_video(video, model, progress=False, **options)
        score = score_clip(result.frames, load_jump_labels(labels))
        rows.append({"style": style, "framing": framing, "clip": video.stem, **score})
    return rows


def tables(rows: list[dict]) -> dict[str, dict[str, dict]]:
    """Return {"style": {style: summary}, "framing": {framing: summary}, "all": {"all": summary}} (MAE, OBO, whole-clip
    MAE, precision, recall)."""
    out = {"style": {}, "framing": {}}
    for key in out:
        for value in dict.fromkeys(row[key] for row in rows):
            out[key][value] = summarise([row for row in rows if row[key] == value])
    out["all"] = {"all": summarise(rows)}
    return out


def stored_tables(path: Path = RESULTS_PATH):
    """Return the stored results as one pandas DataFrame: a row per (run, style or framing), MAE in the jumping
    span and over the whole clip, clips within one, clips."""
    import pandas as pd

    rows = [{"run": label, "by": key, "value": value, "MAE in span": round(summary["mae"], 3),
             "MAE whole clip": round(summary["mae_whole_clip"], 3), "within one": round(summary["obo"], 2),
             "clips": summary["clips"]}
            for label, entry in json.loads(Path(path).read_text()).items()
            for key, table in entry["tables"].items() for value, summary in table.items()]
    return pd.DataFrame(rows).set_index(["by", "value", "run"]).sort_index(level=[0, 1], sort_remaining=False)


def main(argv: list[str] | None = None) -> int:
    """Render the grid, count it with a counter, store and print the tables."""
    parser = argparse.ArgumentParser(prog="python -m motionlab.jumps.styles", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="a counter (.keras) instead of the shipped one")
    parser.add_argument("--label", default="shipped", help="name of this run in the results file")
    parser.add_argument("--grid", choices=list(GRIDS), default="report",
                        help="report: the grid the README reports; selection: the same grid from other seeds, which "
                             "chooses between counters and settings (its own results file)")
    parser.add_argument("--no-upsample", action="store_true",
                        help="count videos below data.LOW_FPS at their own frame rate (the comparison that chose it)")
    args = parser.parse_args(argv)
    folder, first_seed, results_path = GRIDS[args.grid]
    rows = count_grid(render_grid(folder, first_seed), args.model, upsample=not args.no_upsample)
    stored = store_run(results_path, args.label, {"clips": rows, "tables": tables(rows)})
    for key, table in stored[args.label]["tables"].items():
        for value, summary in table.items():
            print(f"{key:8s} {value:22s} MAE {summary['mae']:.3f}  whole clip {summary['mae_whole_clip']:.3f}  "
                  f"within one {summary['obo']:.2f}  ({summary['clips']} clips)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
