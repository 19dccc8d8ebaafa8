"""Report tables of the held-out jump evaluation, from the saved results: scores per method, the counting rules
compared on the counter's held-out probabilities, the ablations, the seed models at other thresholds."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..cache import LABEL_DIR, VIDEO_DIR
from ..video import probe_video
from .counting import COUNT_RULE, LOW_PEAK_THRESHOLD, RULES, BeatRule, CountRule, PeakRule, clip_probabilities
from .data import JUMPROPE_DIR, SYNTH_DIR, Clip, list_clips, load_jump_labels, step_selection_clips
from .metrics import score_clip, summarise
from .results import RESULTS_PATH, update_results

SYNTHETIC_CHOICE = "chosen on synthetic speed steps"  # the counter's headline rule: per fold, on those clips
NESTED_CHOICE = "nested choice"  # per clip, the rule with the lowest MAE on the other real clips
SEED_THRESHOLDS_TRIED = (0.3, 0.5, 0.8)  # probabilities at which the seed models' saved outputs are also counted
ABLATION_RULES = (PeakRule(LOW_PEAK_THRESHOLD), BeatRule(), BeatRule(stride_check=True))  # rules of the ablation table
ABLATIONS = ("counter", "counter_nozoom", "counter_nooblique", "counter_noside", "counter_fullframe",
             "counter_realonly")  # rows of the ablation table, in this order
RULE_SELECTION_CLIPS, RULE_SELECTION_SEED = 8, 7  # fresh synthetic clips of every style that choose COUNT_RULE


def _real_labels(name: str, root: str | os.PathLike) -> np.ndarray:
    """Return the labels of the real clip `name` under root."""
    return load_jump_labels(Path(root) / LABEL_DIR / f"{name}.npy")


def rule_summaries(probabilities: dict[str, np.ndarray], clips: list[Clip]) -> dict[str, dict]:
    """Return {counting rule name: summary (MAE, OBO, precision, recall)} of a counter's per-frame probabilities
    {clip name: (N,)} on labelled clips (whole clips, scored within their labelled spans)."""
    found = {name: [] for name in RULES}
    for clip in clips:
        fps, labels = probe_video(clip.video).fps, load_jump_labels(clip.labels)
        for name, rule in RULES.items():
            found[name].append(score_clip(np.asarray(rule(np.asarray(probabilities[clip.name]), fps)), labels))
    return {name: summarise(scores) for name, scores in found.items()}


def rule_scores(probabilities: dict[str, np.ndarray], clips: list[Clip]) -> dict[str, float]:
    """Return {counting rule name: MAE} of a counter's probabilities on labelled clips."""
    return {name: round(summary["mae"], 4) for name, summary in rule_summaries(probabilities, clips).items()}


def synthetic_rule(prediction: dict) -> str | None:
    """Return the name of the counting rule a fold's counter scores best with on the synthetic speed steps, from
    the probabilities the fold saved on them (None if it saved none); recomputed, so it follows changes to the
    rules."""
    if "selection" not in prediction:
        return None
    scores = rule_scores(prediction["selection"], step_selection_clips())
    return min(scores, key=scores.get)


def score_method(results: dict, method: str, root: str | os.PathLike = JUMPROPE_DIR) -> tuple[dict, dict]:
    """Return ({clip: score}, summary) of one method's saved predictions against the real labels."""
    scores = {}
    for name, prediction in sorted(results["methods"][method]["clips"].items()):
        frames = prediction.get("frames")
        scores[name] = score_clip(None if frames is None else np.asarray(frames), _real_labels(name, root),
                                  prediction.get("count"))
    return scores, summarise(list(scores.values()))


def postprocessing_table(results: dict, method: str = "counter", root: str | os.PathLike = JUMPROPE_DIR):
    """Return ({variant: {clip: frames}}, {variant: summary}, {clip: variant chosen on the other clips}) for every
    counting rule (by name) applied to the counter's held-out probabilities, plus NESTED_CHOICE: for each clip the
    rule with the lowest MAE on the other clips (so the choice never sees the clip it is scored on), and, when the
    folds saved their probabilities on synthetic speed steps, SYNTHETIC_CHOICE: the rule each fold's model scores
    best with on them."""
    root = Path(root)
    clips = results["methods"][method]["clips"]
    labels = {name: _real_labels(name, root) for name in clips}
    fps = {name: probe_video(root / VIDEO_DIR / f"{name}.mp4").fps for name in clips}
    frames = {variant: {name: np.asarray(rule(np.asarray(clips[name]["probabilities"]), fps[name]))
                        for name in clips} for variant, rule in RULES.items()}
    scores = {variant: {name: score_clip(found[name], labels[name]) for name in clips}
              for variant, found in frames.items()}
    chosen, nested = {}, {}
    for name in clips:
        def others_mae(variant):
            errors = [abs(s["pred"] - s["true"]) / s["true"] for c, s in scores[variant].items() if c != name]
            return np.mean(errors) if errors else 0.0  # a single clip: keep the first (default) rule
        chosen[name] = min(scores, key=others_mae)
        nested[name] = frames[chosen[name]][name]
    frames[NESTED_CHOICE] = nested
    synthetic = {name: synthetic_rule(clips[name]) for name in clips}
    if all(synthetic.values()):
        frames[SYNTHETIC_CHOICE] = {name: frames[synthetic[name]][name] for name in clips}
    summaries = {variant: summarise([score_clip(found[name], labels[name]) for name in clips])
                 for variant, found in frames.items()}
    return frames, summaries, chosen


def rules_on_synthetic(model, clips: int = RULE_SELECTION_CLIPS,
                       seed: int = RULE_SELECTION_SEED) -> tuple[pd.DataFrame, str]:
    """Return (summary per counting rule, best rule's name) of a counter on fresh synthetic clips (seed `seed`,
    never trained on): a way to choose the rule that never looks at the real clips."""
    from ..synth.jumprope import render_jumprope_set

    folder = SYNTH_DIR.parent / f"jumprope_select_{seed}"
    render_jumprope_set(folder, videos=clips, seed=seed)
    chosen = list_clips(folder)[:clips]
    table = pd.DataFrame(rule_summaries(clip_probabilities(model, chosen), chosen)).T
    return table.round(3), str(table["mae"].idxmin())


def seed_threshold_table(results: dict, thresholds=SEED_THRESHOLDS_TRIED, root: str | os.PathLike = JUMPROPE_DIR):
    """Return a table (seed method x threshold -> MAE, OBO, precision, recall) of the seed models' held-out
    softmax outputs counted at other thresholds than the seed's (methods that saved their outputs)."""
    rows = {}
    for method, entry in results["methods"].items():
        if not method.startswith("seed_") or not all("probabilities" in p for p in entry["clips"].values()):
            continue
        for threshold in thresholds:
            scores = [score_clip(np.where(np.asarray(p["probabilities"]) > threshold)[0], _real_labels(name, root))
                      for name, p in entry["clips"].items()]
            rows[(method, threshold)] = summarise(scores)
    return pd.DataFrame(rows).T.round(3) if rows else pd.DataFrame()


def ablation_table(results: dict, rules: tuple[CountRule, ...] = ABLATION_RULES,
                   root: str | os.PathLike = JUMPROPE_DIR) -> pd.DataFrame:
    """Return MAE, OBO, precision, recall of the counter and its ablations (no three-quarter views, no side views,
    whole frame, no synthetic clips) under the same counting rules, from their saved held-out probabilities."""
    rows = {}
    for method in ABLATIONS:
        if method in results["methods"]:
            summaries = postprocessing_table(results, method, root)[1]
            for rule in rules:
                rows[(method, results["methods"][method]["scheme"], str(rule))] = summaries[str(rule)]
    return pd.DataFrame(rows).T.round(3)


def _score_real(found: dict, root: str | os.PathLike) -> tuple[dict, dict]:
    """Return ({clip: score}, summary) of jump frames found per real clip, {name: frames}, against its labels."""
    scores = {name: score_clip(frames, _real_labels(name, root)) for name, frames in found.items()}
    return scores, summarise(list(scores.values()))


def report(results: dict, root: str | os.PathLike = JUMPROPE_DIR) -> tuple[dict, dict]:
    """Return ({method: {clip: score}}, {method: summary}) for every saved method; "counter" is scored with the
    rule its fold's model chose on synthetic speed steps (older results: the nested choice on the other real
    clips), "counter_nested" with the nested choice, "counter_cli_rule" and the ablations with the `count`
    command's rule."""
    scores_by_method, summaries = {}, {}
    for method in results["methods"]:
        if method == "counter":
            variants = postprocessing_table(results, method, root)[0]
            headline = SYNTHETIC_CHOICE if SYNTHETIC_CHOICE in variants else NESTED_CHOICE
            for name, rule in (("counter", headline), ("counter_nested", NESTED_CHOICE),
                               ("counter_cli_rule", str(COUNT_RULE))):
                scores_by_method[name], summaries[name] = _score_real(variants[rule], root)
        elif method.startswith("counter_"):  # ablations: the `count` command's rule on their probabilities
            variants = postprocessing_table(results, method, root)[0]
            scores_by_method[method], summaries[method] = _score_real(variants[str(COUNT_RULE)], root)
        else:
            scores_by_method[method], summaries[method] = score_method(results, method, root)
    return scores_by_method, summaries


def select_rule(path: Path = RESULTS_PATH) -> str:
    """Choose the counting rule with the shipped counter on fresh synthetic clips, store it in the results file
    and return its name."""
    from .counting import load_counter

    table, rule = rules_on_synthetic(load_counter())
    update_results(path, lambda results: results.update(
        rule_selection={"rule": rule, "synthetic": table.to_dict(orient="index")}))
    print(table.to_string(), f"\nchosen: {rule}", flush=True)
    return rule
