"""Held-out folds on the real clips: which clips each method holds out, and each fold's training and predictions
(train on synthetic clips + the other real clips, predict the held-out ones), saved fold by fold."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ..cache import CACHE_DIR, atomic_output
from .data import (
    JUMPROPE_DIR,
    OBLIQUE_SYNTH_CLIPS,
    SEED_SYNTH_CLIPS,
    SIDE_SYNTH_CLIPS,
    SYNTH_CLIPS,
    Clip,
    counter_frames,
    framed_clips,
    idle_clips,
    labelled_span,
    list_clips,
    load_jump_labels,
    seed_frames,
    step_selection_clips,
    synthetic_clips,
)
from .negatives import training_negatives
from .report import score_method
from .results import RESULTS_PATH, load_results, save_fold

FOLD_CACHE = CACHE_DIR / "jump_folds"  # each fold's trained counter, keyed by its training recipe
PAIR_FOLDS = (("china_1", "hiro_1"), ("hiro_2", "hiro_3"), ("jp_1", "jp_2"), ("swe_1", "us_3"))  # two-clips-out
# folds for the slower seed models and the ablations
SEED_THRESHOLDS = {"gray": 0.5, "rgb": 0.8, "flow": 0.8}  # the seed's own count thresholds per variant
SAVED_DECIMALS = 3  # probabilities are saved in the results file rounded to this many decimals
METHODS = {  # method -> (fold scheme, what it is)
    "counter": ("loo", "improved counter: motion crop, 16-frame windows, per-frame sigmoid, peaks + refractory"),
    "counter_fullframe": ("pairs", "ablation: improved counter on the whole frame instead of the motion crop"),
    "counter_realonly": ("pairs", "ablation: improved counter trained without synthetic clips"),
    "counter_noside": ("loo", "ablation: improved counter trained without the side-view synthetic clips"),
    "counter_nooblique": ("loo", "ablation: improved counter trained without the three-quarter-view synthetic clips"
                                 " (and without zoom augmentation)"),
    "counter_nozoom": ("loo", "ablation: improved counter trained without the random zoom and shift of its windows"),
    "counter_negatives": ("loo", "improved counter also trained on no-jump videos (the QUVA training half, static "
                                 "noise) as all-zero targets"),
    "counter_idle": ("loo", "improved counter also trained on synthetic clips whose athlete walks, stands or turns "
                            "the rope without jumping before and after the jumps (zero targets there)"),
    "counter_framed": ("loo", "improved counter also trained on synthetic clips filmed the ways users film: a small "
                              "athlete, picture-in-picture, letterbox with captions, a handheld phone"),
    "seed_gray": ("pairs", "seed model, grayscale 4x128x128, softmax > 0.5"),
    "seed_rgb": ("pairs", "seed model, RGB 4x128x128, softmax > 0.8"),
    "seed_flow": ("pairs", "seed model, Farneback flow 3x128x128x2, softmax > 0.8"),
    "classical": ("loo", "no learning: peaks of lower-body motion in the motion crop"),
    "cadence": ("loo", "trivial: labelled span length / mean step interval of the other clips"),
}


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
    """Return a fold's counter, trained or loaded from FOLD_CACHE (kept so that changes after the network, such as
    counting rules or inference settings, are evaluated without retraining)."""
    import keras

    from . import models, training

    names = "+".join(sorted(clip.name for clip in held_out))
    zoom = method not in ("counter_nozoom", "counter_nooblique")
    negatives = training_negatives() if method == "counter_negatives" else []
    recipe = (sorted(clip.name for clip in train), epochs, crop, models.COUNTER_WINDOW, models.COUNTER_SIZE,
              models.COUNTER_FILTERS, training.TARGET_SIGMA, training.POSITIVE_WEIGHT,
              (training.ZOOM_RANGE, training.SHIFT_RANGE) if zoom else None)
    if negatives:  # (recipes without negatives keep their old keys and cached models)
        recipe += ([video.stem for video in negatives], training.NEGATIVE_STRIDE)
    key = hashlib.sha1(repr(recipe).encode()).hexdigest()[:10]  # a changed recipe trains anew
    path = FOLD_CACHE / f"{method}-{names}-{key}.keras"
    if path.exists():
        return keras.models.load_model(path, compile=False)
    model = training.train_jump_counter(train, epochs=epochs, crop=crop, zoom=zoom, negatives=negatives)
    with atomic_output(path) as partial:
        model.save(partial)
    return model


def _rounded(values) -> list:
    """Return probabilities as a list rounded to SAVED_DECIMALS."""
    return np.round(values, SAVED_DECIMALS).tolist()


def predict_fold(method: str, train: list[Clip], held_out: list[Clip], epochs: int) -> dict[str, dict]:
    """Train `method` on `train` and return {clip name: {"frames": [...]} or {"count": n}} for the held-out clips."""
    from .counting import classical_jumps, clip_probabilities, count_crops, seed_jumps

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
            out[clip.name] = {"frames": frames.tolist(), "probabilities": _rounded(probabilities)}
            if selection:  # the fold's probabilities on synthetic speed steps: its own rule choice, labels unseen
                out[clip.name]["selection"] = {name: _rounded(p) for name, p in selection.items()}
    elif method.startswith("seed_"):
        from .training import train_seed_model

        mode = method.split("_", 1)[1]
        model = train_seed_model(train, mode=mode, epochs=epochs)
        for clip in held_out:
            frames, outputs = seed_jumps(model, seed_frames(clip.video, mode=mode), SEED_THRESHOLDS[mode])
            out[clip.name] = {"frames": frames.tolist(), "probabilities": _rounded(outputs)}
    else:
        raise ValueError(f"unknown method {method!r}; choose from {list(METHODS)}")
    return out


def _extra_clips(method: str, synthetic: list[Clip], synth: int) -> list[Clip]:
    """Return the synthetic clips a method trains on beside the other real clips."""
    if method in ("counter_realonly", "classical", "cadence"):
        return []
    if method.startswith("seed_"):
        return synthetic[:SEED_SYNTH_CLIPS]
    if method == "counter_noside":
        return synthetic[:synth]
    if method == "counter_nooblique":
        return synthetic[:synth + SIDE_SYNTH_CLIPS]
    if method == "counter_idle":
        return synthetic + idle_clips()
    if method == "counter_framed":
        return synthetic + framed_clips()
    return synthetic


def run(methods: list[str], epochs: dict[str, int], path: Path = RESULTS_PATH, synth: int = SYNTH_CLIPS,
        only: set[str] | None = None) -> dict:
    """Run the held-out evaluation for each method (resuming from path) and return the results; `only`: just the
    folds holding out these clips (several processes can share the file, each with its own clips)."""
    real = list_clips(JUMPROPE_DIR)
    synthetic = synthetic_clips(synth, SIDE_SYNTH_CLIPS, OBLIQUE_SYNTH_CLIPS)
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
            extra = _extra_clips(method, synthetic, synth)
            train = [clip for clip in real if clip.name not in names] + extra
            print(f"{method}: held out {sorted(names)}, training on {len(train)} clips", flush=True)
            found = predict_fold(method, train, held_out, epochs.get(method, 1))
            entry["synthetic_clips"] = len(extra)
            results = save_fold(path, method, entry, found)
            entry = results["methods"][method]
        if only is None or set(entry["clips"]) >= {clip.name for clip in real}:
            print(method, json.dumps(score_method(results, method)[1]), flush=True)
    return results
