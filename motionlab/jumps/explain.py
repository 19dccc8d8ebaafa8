"""What the jump counter looks at: saliency over the motion crop of a window around a landing, and its count error
when the clip is changed (colour, contrast, blur, brightness, background masked outside the athlete, mirror)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..cache import DATA_DIR
from ..explain.input_changes import INPUT_CHANGES, background_mask, error_by_change
from ..explain.saliency import gradient_saliency, occlusion_sensitivity
from ..video import probe_video
from .counting import count_video
from .data import (
    Clip,
    counter_frame_step,
    counter_inputs,
    crop_frames,
    list_clips,
    load_jump_labels,
    motion_box,
    read_counter_frames,
    read_small_gray,
)

EXPLAIN_DIR = DATA_DIR / "synth" / "jumprope_explain"  # clips rendered for this analysis only
EXPLAIN_SEED = 31  # their seed: no training, validation or rule-selection set uses it (those use seeds 0-11)
OCCLUSION_PATCH_PX = 8  # occluded square, pixels of the 64x64 motion crop: about a foot or a shin


def explain_clips(count: int) -> list[Clip]:
    """Return `count` synthetic clips of every style (seed EXPLAIN_SEED, never trained on), rendering any missing."""
    from ..synth.jumprope import render_jumprope_set

    render_jumprope_set(EXPLAIN_DIR, videos=count, seed=EXPLAIN_SEED)
    return list_clips(EXPLAIN_DIR)[:count]


def landing_window(model, clip: Clip, jump_number: int = 0) -> tuple[np.ndarray, np.ndarray, int]:
    """Return (crops (T, S, S) uint8, counter input (T, S, S, 2), first frame) of the window whose middle frame is
    the clip's jump_number-th labelled landing (clamped to the clip)."""
    small, _ = read_small_gray(clip.video, progress=False)
    crops = crop_frames(small, motion_box(small), model.input_shape[2])
    window = model.input_shape[1]
    landing = int(load_jump_labels(clip.labels)[jump_number])
    start = int(np.clip(landing - window // 2, 0, len(crops) - window))
    return crops[start:start + window], counter_inputs(crops)[start:start + window].astype(np.float32), start


def window_saliency(model, model_input: np.ndarray) -> dict[str, np.ndarray]:
    """Return {"gradient": (S, S), "occlusion": (S, S) expected jumps} for one counter window (T, S, S, 2)."""
    return {"gradient": gradient_saliency(model, model_input),
            "occlusion": occlusion_sensitivity(model, model_input, OCCLUSION_PATCH_PX)}


def athlete_only(clip: Clip):
    """Return the input change that paints everything outside the clip's motion box mean grey (box in full-frame
    pixels, found as `count` finds it)."""
    small, _ = read_small_gray(clip.video, progress=False)
    top, left, side = motion_box(small)
    scale = max(probe_video(clip.video).width, probe_video(clip.video).height) / max(small.shape[1:])
    return background_mask(tuple(int(round(v * scale)) for v in (top, left, side, side)))


def count_error_by_input_change(model, clips: list[Clip], work_dir: str | os.PathLike) -> dict[str, float]:
    """Return {input change: mean |counted - true| / true} of `count` on whole synthetic clips.

    "background masked" keeps only the athlete's motion box (of the first clip's framing: the synthetic clips share
    one camera), which tells whether anything outside it helps or hurts.
    """
    truth = {Path(clip.video): len(load_jump_labels(clip.labels)) for clip in clips}

    def score(original: Path, changed: Path) -> float:
        return abs(count_video(changed, model, progress=False).count - truth[original]) / truth[original]

    changes = (*INPUT_CHANGES, athlete_only(clips[0]))
    return error_by_change(list(truth), score, work_dir, changes)


def count_saliency_image(video: str | os.PathLike, model, jump_frames: np.ndarray, out_png: str | os.PathLike,
                         decoded: tuple[np.ndarray, float] | None = None) -> Path:
    """Draw what the counter looked at around the video's middle counted jump (occlusion over the motion crop, laid
    over the crop) into out_png and return it; with no jump, the middle of the video is shown. `decoded` =
    read_counter_frames(video) if the caller has it already, as for count_video."""
    from ..explain.plots import saliency_image

    analysed, fps = decoded if decoded is not None else read_counter_frames(video, progress=False)
    frame_step = counter_frame_step(fps)
    crops = crop_frames(analysed, motion_box(analysed), model.input_shape[2])
    window = model.input_shape[1]
    centre = int(jump_frames[len(jump_frames) // 2]) // frame_step if len(jump_frames) else len(crops) // 2
    start = int(np.clip(centre - window // 2, 0, len(crops) - window))
    model_input = counter_inputs(crops)[start:start + window].astype(np.float32)
    occlusion = occlusion_sensitivity(model, model_input, OCCLUSION_PATCH_PX)
    title = f"what the counter looked at, frames {start * frame_step}-{(start + window - 1) * frame_step}"
    return saliency_image(crops[start + window // 2], occlusion, title, "jumps", out_png)
