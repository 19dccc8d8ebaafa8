"""Held-out evaluation on the real clips: train on synthetic + the other real clips, count the held-out clip.

`python -m motionlab.jumps.evaluate --methods counter,classical,cadence` runs leave-one-clip-out and writes
models/jump_loo_results.json (resumable: folds already in the file are skipped).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import functools
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..cache import CACHE_DIR, MODELS_DIR
from .data import JUMPROPE_DIR, SYNTH_DIR, Clip, counter_frames, labelled_span, list_clips, load_jump_labels, \
    seed_frames
from .metrics import score_clip, summarise

RESULTS_PATH = MODELS_DIR / "jump_loo_results.json"  # measured held-out predictions, read by notebook 04
SYNTH_CLIPS = 40  # synthetic clips rendered for training (seed 0, camera in front)
SIDE_SYNTH_CLIPS = 16  # synthetic speed-step clips filmed from the side, added to training (seed 1): the real
# side views (china_1, jp_2) were counted at every other step when the only side view in training was the other one
SIDE_SYNTH_DIR = SYNTH_DIR.parent / "jumprope_side"  # where those side-view clips are rendered
OBLIQUE_SYNTH_CLIPS = 16  # synthetic speed-step clips filmed at three-quarter view, added to training (seed 2): the
# fast three-quarter view of china_1 was counted at about every other step
STEP_SELECTION_CLIPS = 12  # fresh synthetic speed-step clips per view (front, side; seed 9, never trained on) on
# which each fold's counter chooses its counting rule: the real clips are speed steps, their labels stay unseen
STEP_SELECTION_DIR = SYNTH_DIR.parent / "jumprope_select_steps_9"  # where those clips are rendered
SYNTHETIC_CHOICE = "chosen on synthetic speed steps"  # the counter's headline rule: per fold, on those clips
SEED_SYNTH_CLIPS = 8  # the seed models train on this many of them (their 128x128 windows are slow on a CPU)
PAIR_FOLDS = (("china_1", "hiro_1"), ("hiro_2", "hiro_3"), ("jp_1", "jp_2"), ("swe_1", "us_3"))  # two-clips-out
# folds for the slower seed models and the ablations
SEED_THRESHOLDS = {"gray": 0.5, "rgb": 0.8, "flow": 0.8}  # the seed's own count thresholds per variant
METHODS = {  # method -> (fold scheme, what it is)
    "counter": ("loo", "improved counter: motion crop, 16-frame windows, per-frame sigmoid, peaks + refractory"),
    "counter_fullframe": ("pairs", "ablation: improved counter on the whole frame instead of the motion crop"),
    "counter_realonly": ("pairs", "ablation: improved counter trained without synthetic clips"),
    "counter_noside": ("loo", "ablation: improved counter trained without the side-view synthetic clips"),
    "counter_nooblique": ("loo", "ablation: improved counter trained without the three-quarter-view synthetic clips"
                                 " (and without zoom augmentation)"),
    "counter_nozoom": ("loo", "ablation: improved counter trained without the random zoom and shift of its windows"),
    "seed_gray": ("pairs", "seed model, grayscale 4x128x128, softmax > 0.5"),
    "seed_rgb": ("pairs", "seed model, RGB 4x128x128, softmax > 0.8"),
    "seed_flow": ("pairs", "seed model, Farneback flow 3x128x128x2, softmax > 0.8"),
    "classical": ("loo", "no learning: peaks of lower-body motion in the motion crop"),
    "cadence": ("loo", "trivial: labelled span length / mean step interval of the other clips"),
}


def synthetic_clips(count: int = SYNTH_CLIPS, side: int = SIDE_SYNTH_CLIPS,
                    oblique: int = OBLIQUE_SYNTH_CLIPS) -> list[Clip]:
    """Return the synthetic training clips, rendering any that are missing: `count` front views, then `side`
    side-view and `oblique` three-quarter-view speed-step clips, each sorted by name."""
    from ..synth.jumprope import render_jumprope_set

    render_jumprope_set(SYNTH_DIR, videos=count, seed=0)
    clips = list_clips(SYNTH_DIR)[:count]
    for view, videos, seed in (("side", side, 1), ("oblique", oblique, 2)):
        if videos:
            render_jumprope_set(SIDE_SYNTH_DIR, videos=videos, seed=seed, view=view, style="alternate")
            clips += [clip for clip in list_clips(SIDE_SYNTH_DIR) if clip.name.startswith(f"synth_{view}_")][:videos]
    return clips


@functools.lru_cache(maxsize=None)
def step_selection_clips(count: int = STEP_SELECTION_CLIPS) -> list[Clip]:
    """Return the synthetic speed-step clips that choose the counting rule (front and side views, seed 9),
    rendering any that are missing."""
    from ..synth.jumprope import render_jumprope_set

    for view in ("front", "side"):
        render_jumprope_set(STEP_SELECTION_DIR, videos=count, seed=9, view=view, style="alternate")
    return list_clips(STEP_SELECTION_DIR)


def clip_probabilities(model, clips: list[Clip]) -> dict[str, np.ndarray]:
    """Return {clip name: per-frame jump probability (N,)} of a counter on whole clips (motion crop)."""
    from .counting import window_probabilities
    from .training import counter_inputs

    return {clip.name: window_probabilities(model, counter_inputs(counter_frames(clip.video)[0])) for clip in clips}


def rule_summaries(probabilities: dict[str, np.ndarray], clips: list[Clip]) -> dict[str, dict]:
    """Return {counting rule: summary (MAE, OBO, precision, recall)} of a counter's per-frame probabilities
    {clip name: (N,)} on labelled clips (whole clips, scored within their labelled spans)."""
    from ..video import probe_video
    from .counting import RULES

    found = {rule: [] for rule in RULES}
    for clip in clips:
        fps, labels = probe_video(clip.video).fps, load_jump_labels(clip.labels)
        for rule, function in RULES.items():
            found[rule].append(score_clip(np.asarray(function(np.asarray(probabilities[clip.name]), fps)), labels))
    return {rule: summarise(scores) for rule, scores in found.items()}


def rule_scores(probabilities: dict[str, np.ndarray], clips: list[Clip]) -> dict[str, float]:
    """Return {counting rule: MAE} of a counter's probabilities on labelled clips."""
    return {rule: round(summary["mae"], 4) for rule, summary in rule_summaries(probabilities, clips).items()}


def synthetic_rule(prediction: dict) -> str | None:
    """Return the counting rule a fold's counter scores best with on the synthetic speed steps, from the
    probabilities the fold saved on them (None if it saved none); recomputed, so it follows changes to the rules."""
    if "selection" not in prediction:
        return None
    scores = rule_scores(prediction["selection"], step_selection_clips())
    return min(scores, key=scores.get)


def folds(method: str, real: list[Clip]) -> list[list[Clip]]:
    """Return the held-out groups of real clips for a method: one clip each (loo) or PAIR_FOLDS."""
    scheme = METHODS[method][0]
    if scheme == "loo":
        return [[clip] for clip in real]
    by_name = {clip.name: clip for clip in real}
    groups = [[by_name[name] for name in pair if name in by_name] for pair in PAIR_FOLDS]
    covered = {clip.name for group in groups for clip in group}
    groups += [[clip] for clip in real if clip.name not in covered]
    return [group for group in groups if group]


def _fold_counter(method: str, train: list[Clip], held_out: list[Clip], epochs: int, crop: bool):
    """Return a fold's counter, trained or loaded from data/cache/jump_folds (kept so that changes after the
    network, such as counting rules or inference settings, are evaluated without retraining)."""
    import keras

    from . import models, training

    names = "+".join(sorted(clip.name for clip in held_out))
    zoom = method not in ("counter_nozoom", "counter_nooblique")
    recipe = (sorted(clip.name for clip in train), epochs, crop, models.COUNTER_WINDOW, models.COUNTER_SIZE,
              models.COUNTER_FILTERS, training.TARGET_SIGMA, training.POSITIVE_WEIGHT,
              (training.ZOOM_RANGE, training.SHIFT_RANGE) if zoom else None)
    key = hashlib.sha1(repr(recipe).encode()).hexdigest()[:10]  # a changed recipe trains anew
    path = CACHE_DIR / "jump_folds" / f"{method}-{names}-{key}.keras"
    if path.exists():
        return keras.models.load_model(path, compile=False)
    model = training.train_jump_counter(train, epochs=epochs, crop=crop, zoom=zoom)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.partial.keras")
    model.save(partial)
    os.replace(partial, path)
    return model


def predict_fold(method: str, train: list[Clip], held_out: list[Clip], epochs: int) -> dict[str, dict]:
    """Train `method` on `train` and return {clip name: {"frames": [...]} or {"count": n}} for the held-out clips."""
    from .counting import classical_jumps, count_crops, seed_jumps
    from .training import train_seed_model

    out = {}
    if method == "classical":
        for clip in held_out:
            crops, fps = counter_frames(clip.video)
            out[clip.name] = {"frames": classical_jumps(crops, fps).tolist()}
    elif method == "cadence":
        gaps = np.concatenate([np.diff(load_jump_labels(c.labels)) for c in train])
        for clip in held_out:
            first, last = labelled_span(load_jump_labels(clip.labels), margin=0)
            out[clip.name] = {"count": int(round((last - first) / gaps.mean())) + 1}
    elif method.startswith("counter"):
        crop = method != "counter_fullframe"
        model = _fold_counter(method, train, held_out, epochs, crop)
        selection = clip_probabilities(model, step_selection_clips()) if crop else None
        for clip in held_out:
            crops, fps = counter_frames(clip.video, crop=crop)
            frames, probabilities = count_crops(model, crops, fps)
            out[clip.name] = {"frames": frames.tolist(), "probabilities": np.round(probabilities, 3).tolist()}
            if selection:  # the fold's probabilities on synthetic speed steps: its own rule choice, labels unseen
                out[clip.name]["selection"] = {name: np.round(p, 3).tolist() for name, p in selection.items()}
    elif method.startswith("seed_"):
        mode = method.split("_", 1)[1]
        model = train_seed_model(train, mode=mode, epochs=epochs)
        for clip in held_out:
            frames, outputs = seed_jumps(model, seed_frames(clip.video, mode=mode), SEED_THRESHOLDS[mode])
            out[clip.name] = {"frames": frames.tolist(), "probabilities": np.round(outputs, 3).tolist()}
    else:
        raise ValueError(f"unknown method {method!r}; choose from {list(METHODS)}")
    return out


def load_results(path: str | os.PathLike = RESULTS_PATH) -> dict:
    """Return the saved results {"methods": {method: {"clips": {name: prediction}, ...}}} (empty if none)."""
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else {"methods": {}}


@contextlib.contextmanager
def _locked(path: Path):
    """Hold an exclusive lock on path's lock file (processes running other folds wait for each other's writes)."""
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _save(results: dict, path: Path) -> None:
    """Write the results JSON atomically."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(results, indent=1))
    os.replace(partial, path)


def save_fold(path: Path, method: str, entry: dict, found: dict) -> dict:
    """Add one fold's predictions {clip: prediction} and the method's settings (entry without its clips) to the
    results file, re-read under a lock (other processes may have written other methods or folds meanwhile), and
    return the results now on disk."""
    with _locked(path):
        results = load_results(path)
        merged = results["methods"].setdefault(method, {"clips": {}})
        merged.update({key: value for key, value in entry.items() if key != "clips"})
        merged["clips"].update(found)
        _save(results, path)
    return results


def score_method(results: dict, method: str, root: str | os.PathLike = JUMPROPE_DIR) -> tuple[dict, dict]:
    """Return ({clip: score}, summary) of one method's saved predictions against the real labels."""
    scores = {}
    for name, prediction in sorted(results["methods"][method]["clips"].items()):
        labels = load_jump_labels(Path(root) / "speed_annotations" / f"{name}.npy")
        frames = prediction.get("frames")
        scores[name] = score_clip(None if frames is None else np.asarray(frames), labels, prediction.get("count"))
    return scores, summarise(list(scores.values()))


def postprocessing_table(results: dict, method: str = "counter", root: str | os.PathLike = JUMPROPE_DIR):
    """Return ({variant: {clip: frames}}, {variant: summary}, {clip: variant chosen on the other clips}) for every
    way of turning the counter's held-out probabilities into jumps, plus "nested choice": for each clip the
    variant with the lowest MAE on the other clips (so the choice never sees the clip it is scored on), and,
    when the folds saved their probabilities on synthetic speed steps, SYNTHETIC_CHOICE: the rule each fold's model
    scores best with on them."""
    from ..video import probe_video

    root = Path(root)
    clips = results["methods"][method]["clips"]
    labels = {name: load_jump_labels(root / "speed_annotations" / f"{name}.npy") for name in clips}
    fps = {name: probe_video(root / "speed_videos" / f"{name}.mp4").fps for name in clips}
    from .counting import RULES

    frames = {variant: {name: np.asarray(function(np.asarray(clips[name]["probabilities"]), fps[name]))
                        for name in clips} for variant, function in RULES.items()}
    scores = {variant: {name: score_clip(found[name], labels[name]) for name in clips}
              for variant, found in frames.items()}
    chosen, nested = {}, {}
    for name in clips:
        def others_mae(variant):
            errors = [abs(s["pred"] - s["true"]) / s["true"] for c, s in scores[variant].items() if c != name]
            return np.mean(errors) if errors else 0.0  # a single clip: keep the first (default) rule
        chosen[name] = min(scores, key=others_mae)
        nested[name] = frames[chosen[name]][name]
    frames["nested choice"] = nested
    synthetic = {name: synthetic_rule(clips[name]) for name in clips}
    if all(synthetic.values()):
        frames[SYNTHETIC_CHOICE] = {name: frames[synthetic[name]][name] for name in clips}
    summaries = {variant: summarise([score_clip(found[name], labels[name]) for name in clips])
                 for variant, found in frames.items()}
    return frames, summaries, chosen


def rules_on_synthetic(model, clips: int = 8, seed: int = 7) -> tuple[pd.DataFrame, str]:
    """Return (summary per counting rule, best rule) of a counter on fresh synthetic clips (seed `seed`, never
    trained on): a way to choose the rule that never looks at the real clips."""
    from ..synth.jumprope import render_jumprope_set

    folder = SYNTH_DIR.parent / f"jumprope_select_{seed}"
    render_jumprope_set(folder, videos=clips, seed=seed)
    chosen = list_clips(folder)[:clips]
    table = pd.DataFrame(rule_summaries(clip_probabilities(model, chosen), chosen)).T
    return table.round(3), str(table["mae"].idxmin())


def seed_threshold_table(results: dict, thresholds=(0.3, 0.5, 0.8), root: str | os.PathLike = JUMPROPE_DIR):
    """Return a table (seed method x threshold -> MAE, OBO, precision, recall) of the seed models' held-out
    softmax outputs counted at other thresholds than the seed's (methods that saved their outputs)."""
    rows = {}
    for method, entry in results["methods"].items():
        if not method.startswith("seed_") or not all("probabilities" in p for p in entry["clips"].values()):
            continue
        for threshold in thresholds:
            scores = [score_clip(np.where(np.asarray(p["probabilities"]) > threshold)[0],
                                 load_jump_labels(Path(root) / "speed_annotations" / f"{name}.npy"))
                      for name, p in entry["clips"].items()]
            rows[(method, threshold)] = summarise(scores)
    return pd.DataFrame(rows).T.round(3) if rows else pd.DataFrame()


def ablation_table(results: dict, rules=("peaks > 0.15, refractory 0.55 period", "beat tracking, tightness 4",
                                        "beat tracking, tightness 4, stride check"),
                   root: str | os.PathLike = JUMPROPE_DIR) -> pd.DataFrame:
    """Return MAE, OBO, precision, recall of the counter and its ablations (no three-quarter views, no side views,
    whole frame, no synthetic clips) under the same counting rules, from their saved held-out probabilities."""
    rows = {}
    for method in ("counter", "counter_nozoom", "counter_nooblique", "counter_noside", "counter_fullframe",
                   "counter_realonly"):
        if method in results["methods"]:
            summaries = postprocessing_table(results, method, root)[1]
            for rule in rules:
                rows[(method, results["methods"][method]["scheme"], rule)] = summaries[rule]
    return pd.DataFrame(rows).T.round(3)


def _score_real(found: dict, root: str | os.PathLike) -> tuple[dict, dict]:
    """Return ({clip: score}, summary) of jump frames found per real clip, {name: frames}, against its labels."""
    scores = {name: score_clip(frames, load_jump_labels(Path(root) / "speed_annotations" / f"{name}.npy"))
              for name, frames in found.items()}
    return scores, summarise(list(scores.values()))


def report(results: dict, root: str | os.PathLike = JUMPROPE_DIR) -> tuple[dict, dict]:
    """Return ({method: {clip: score}}, {method: summary}) for every saved method; "counter" is scored with the
    rule its fold's model chose on synthetic speed steps (older results: the nested choice on the other real
    clips), "counter_nested" with the nested choice, "counter_cli_rule" and the ablations with the `count`
    command's rule."""
    from .counting import COUNT_RULE

    scores_by_method, summaries = {}, {}
    for method in results["methods"]:
        if method == "counter":
            variants = postprocessing_table(results, method, root)[0]
            headline = SYNTHETIC_CHOICE if SYNTHETIC_CHOICE in variants else "nested choice"
            for name, rule in (("counter", headline), ("counter_nested", "nested choice"),
                               ("counter_cli_rule", COUNT_RULE)):
                scores_by_method[name], summaries[name] = _score_real(variants[rule], root)
        elif method.startswith("counter_"):  # ablations: the `count` command's rule on their probabilities
            variants = postprocessing_table(results, method, root)[0]
            scores_by_method[method], summaries[method] = _score_real(variants[COUNT_RULE], root)
        else:
            scores_by_method[method], summaries[method] = score_method(results, method, root)
    return scores_by_method, summaries


def select_rule(path: Path = RESULTS_PATH) -> str:
    """Choose the counting rule with the shipped counter on fresh synthetic clips, store it in the results file
    and return it."""
    from .counting import load_counter

    table, rule = rules_on_synthetic(load_counter())
    with _locked(path):
        results = load_results(path)
        results["rule_selection"] = {"rule": rule, "synthetic": table.to_dict(orient="index")}
        _save(results, path)
    print(table.to_string(), f"\nchosen: {rule}", flush=True)
    return rule


def run(methods: list[str], epochs: dict[str, int], path: Path = RESULTS_PATH, synth: int = SYNTH_CLIPS,
        only: set[str] | None = None) -> dict:
    """Run the held-out evaluation for each method (resuming from path) and return the results; `only`: just the
    folds holding out these clips (several processes can share the file, each with its own clips)."""
    real = list_clips(JUMPROPE_DIR)
    synthetic = synthetic_clips(synth)
    results = load_results(path)
    for method in methods:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; choose from {list(METHODS)}")
        entry = results["methods"].setdefault(method, {"clips": {}})
        trained = method not in ("classical", "cadence")
        entry.update(scheme=METHODS[method][0], about=METHODS[method][1],
                     epochs=epochs.get(method) if trained else None)
        for held_out in folds(method, real):
            if all(clip.name in entry["clips"] for clip in held_out) or (
                    only is not None and not only & {clip.name for clip in held_out}):
                continue
            names = {clip.name for clip in held_out}
            extra = [] if method in ("counter_realonly", "classical", "cadence") else synthetic
            if method.startswith("seed_"):
                extra = synthetic[:SEED_SYNTH_CLIPS]
            if method == "counter_noside":
                extra = synthetic[:synth]
            if method == "counter_nooblique":
                extra = synthetic[:synth + SIDE_SYNTH_CLIPS]
            train = [clip for clip in real if clip.name not in names] + extra
            print(f"{method}: held out {sorted(names)}, training on {len(train)} clips", flush=True)
            found = predict_fold(method, train, held_out, epochs.get(method, 1))
            entry["synthetic_clips"] = len(extra)
            results = save_fold(path, method, entry, found)
            entry = results["methods"][method]
        if only is None or set(entry["clips"]) >= {clip.name for clip in real}:
            print(method, json.dumps(score_method(results, method)[1]), flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line of the held-out evaluation."""
    parser = argparse.ArgumentParser(prog="python -m motionlab.jumps.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", default="classical,cadence,counter", help=f"comma list of {list(METHODS)}")
    parser.add_argument("--counter-epochs", type=int, default=10, help="epochs of the improved counter per fold")
    parser.add_argument("--seed-epochs", type=int, default=2, help="epochs of the seed models per fold")
    parser.add_argument("--out", type=Path, default=RESULTS_PATH, help="results JSON")
    parser.add_argument("--clips", help="comma list of real clips: run only the folds holding them out (to split "
                                         "the evaluation between processes sharing the results file)")
    parser.add_argument("--select-rule", action="store_true",
                        help="choose the counting rule with the shipped counter on fresh synthetic clips")
    args = parser.parse_args(argv)
    if args.select_rule:
        select_rule(args.out)
        return 0
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    epochs = {m: args.seed_epochs if m.startswith("seed_") else args.counter_epochs for m in methods}
    run(methods, epochs, args.out, only=set(args.clips.split(",")) if args.clips else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
