"""Speed-regression data: cached flow (and frames) of whole drives, fed to Keras through PyDataset."""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np

from ..flow.encodings import RAW_SCALE, seed_hsv_rgb
from ..flow.params import FlowParams
from ..flow.pipeline import video_flow
from ..frames import extract_frames
from .drives import Drive

SEED_INPUT = "seed_hsv"  # the seed's input: flow as HSV->RGB, magnitude min-max normalised per frame, (66, 220, 3)
RAW_INPUT = "raw"  # raw flow at a fixed scale, `context` consecutive fields stacked, (66, 220, 2 * context)
BALANCE_BIN_MPS = 2.5  # speed-balanced sampling: pairs are counted in speed bins this wide, m/s
BALANCE_POWER = 0.5  # ... and drawn with probability proportional to (pairs in their bin) ** -BALANCE_POWER


def pair_speeds(frame_speeds: np.ndarray) -> np.ndarray:
    """Return the speed of each consecutive frame pair (the mean of its two frames), (N-1,) float32 m/s."""
    frame_speeds = np.asarray(frame_speeds, np.float32)
    return (frame_speeds[1:] + frame_speeds[:-1]) / 2


def frame_speeds_from_pairs(pair_values: np.ndarray) -> np.ndarray:
    """Return one value per frame from one per pair: each frame averages the pairs it belongs to, (N,) float32."""
    pair_values = np.asarray(pair_values, np.float32)
    padded = np.concatenate([pair_values[:1], pair_values, pair_values[-1:]])
    return (padded[1:] + padded[:-1]) / 2


@dataclass
class DriveArrays:
    """One drive ready for a model: its flow (N-1, H, W, 2) float16 px/frame, pair speeds (N-1,) m/s, frames."""

    name: str
    flow: np.ndarray
    speeds: np.ndarray
    frames: np.ndarray | None = None  # (N, H, W, 3) uint8 BGR, only the seed's input needs them

    @classmethod
    def load(cls, drive: Drive, params: FlowParams = FlowParams(), with_frames: bool = False,
             progress: bool = True, in_memory: bool = True) -> "DriveArrays":
        """Return a drive's cached flow (computed once), pair speeds and, if asked, its cropped frames.

        in_memory reads the flow into RAM (about 58 KB per pair) instead of leaving it memory-mapped.
        """
        flow = video_flow(drive.video, params, progress=progress)
        flow = np.array(flow) if in_memory else flow
        speeds = pair_speeds(drive.speeds())
        if len(flow) != len(speeds):
            raise ValueError(f"{drive.labels}: {len(speeds) + 1} speeds for {len(flow) + 1} frames")
        frames = extract_frames(drive.video, (params.height, params.width), progress=progress) if with_frames else None
        return cls(drive.name, flow, speeds, frames)


def model_inputs(arrays: DriveArrays, pairs: np.ndarray, kind: str = RAW_INPUT, context: int = 3,
                 flip: np.ndarray | None = None) -> np.ndarray:
    """Return model inputs for the given pair indices: (B, H, W, 3) uint8 for SEED_INPUT, (B, H, W, 2*context) float32 raw.

    Raw input stacks `context` fields centred on each pair (clamped at the drive's ends); flip mirrors left-right
    (and negates dx) where True.
    """
    pairs = np.asarray(pairs)
    if kind == SEED_INPUT:
        if arrays.frames is None:
            raise ValueError("the seed's input needs frames: load the drive with with_frames=True")
        if flip is not None and flip.any():
            raise ValueError("the seed's input is not mirrored: its hue encodes direction and saturation comes from the frame")
        return seed_hsv_rgb(np.asarray(arrays.flow[pairs], np.float32), np.asarray(arrays.frames[pairs + 1]))
    if kind != RAW_INPUT:
        raise ValueError(f"unknown input kind {kind!r}; use {SEED_INPUT!r} or {RAW_INPUT!r}")
    half = context // 2
    offsets = np.arange(context) - half
    indices = np.clip(pairs[:, None] + offsets[None, :], 0, len(arrays.flow) - 1)  # (B, context)
    unique, inverse = np.unique(indices, return_inverse=True)
    fields = np.asarray(arrays.flow[unique], np.float32)[inverse.reshape(indices.shape)]  # (B, context, H, W, 2)
    fields /= np.float32(RAW_SCALE)
    if flip is not None and flip.any():
        fields[flip] = fields[flip][:, :, :, ::-1]
        fields[flip, ..., 0] *= -1
    batch, _, height, width, _ = fields.shape
    return fields.transpose(0, 2, 3, 1, 4).reshape(batch, height, width, 2 * context)


def balanced_sampling(speeds_mps: np.ndarray) -> np.ndarray:
    """Return each pair's probability of being drawn, (N,) float64 summing to 1: rare speeds drawn more often."""
    bins = np.floor(np.asarray(speeds_mps) / BALANCE_BIN_MPS).astype(int)
    counts = np.bincount(bins - bins.min())[bins - bins.min()]
    weights = counts.astype(np.float64) ** -BALANCE_POWER
    return weights / weights.sum()


class SpeedBatches(keras.utils.PyDataset):
    """Batches of (model input, pair speed m/s) drawn from whole drives, shuffled each epoch if training."""

    def __init__(self, drives: list[DriveArrays], kind: str = RAW_INPUT, context: int = 3, batch_size: int = 32,
                 shuffle: bool = False, flip: bool = False, steps: int | None = None, seed: int = 0,
                 balance: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not drives:
            raise ValueError("need at least one drive")
        if balance and not shuffle:
            raise ValueError("speed-balanced sampling is for training batches (shuffle=True)")
        self.drives, self.kind, self.context, self.batch_size = drives, kind, context, batch_size
        self.shuffle, self.flip, self.steps = shuffle, flip, steps
        self.rng = np.random.default_rng(seed)
        self.index = np.concatenate([np.stack([np.full(len(d.speeds), i), np.arange(len(d.speeds))], 1)
                                     for i, d in enumerate(drives)])  # (pairs, 2): drive number, pair number
        self.sampling = balanced_sampling(np.concatenate([d.speeds for d in drives])) if balance else None
        self.on_epoch_end()

    def __len__(self) -> int:
        """Return the number of batches per epoch."""
        full = math.ceil(len(self.index) / self.batch_size)
        return min(full, self.steps) if self.steps else full

    def on_epoch_end(self) -> None:
        """Reshuffle the pairs (training only); speed-balanced sampling draws them with replacement instead."""
        if self.sampling is not None:
            self.order = self.rng.choice(len(self.index), len(self.index), p=self.sampling)
        else:
            self.order = self.rng.permutation(len(self.index)) if self.shuffle else np.arange(len(self.index))

    def __getitem__(self, batch: int):
        """Return (inputs, speeds): inputs as model_inputs, speeds (B,) float32 m/s."""
        chosen = self.index[self.order[batch * self.batch_size:(batch + 1) * self.batch_size]]
        inputs, targets = [], []
        for drive_number in np.unique(chosen[:, 0]):
            pairs = chosen[chosen[:, 0] == drive_number, 1]
            arrays = self.drives[drive_number]
            flip = self.rng.random(len(pairs)) < 0.5 if self.flip else None
            inputs.append(model_inputs(arrays, pairs, self.kind, self.context, flip))
            targets.append(arrays.speeds[pairs])
        return np.concatenate(inputs), np.concatenate(targets).astype(np.float32)
