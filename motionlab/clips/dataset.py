"""ClipDataset: a keras.utils.PyDataset of frame sequences (batch, frames, height, width, channels) in [0, 1]."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

import keras
import numpy as np

from ..progress import progress_bar
from ..video import probe_video
from .augment import ClipAugmentation, apply_transform
from .crop import cut_sample, decode_for_sampling
from .folder import list_videos
from .sampling import ClipSampling, fit_to_length, warn_short

LABEL_MODES = ("categorical", "int")  # one-hot (batch, classes) float32, or (batch,) int32


class ClipDataset(keras.utils.PyDataset):
    """Batches of clips and labels from video files; every clip is decoded once (cached) when the dataset is made.

    Each sample is one clip ("spread" sampling) or one window of a clip ("windows"); with an augmentation each
    sample gets its own random transform, the same on all its frames, drawn from (seed, epoch, sample) so a run
    is reproducible whatever the worker order. shuffle reorders samples every epoch (from the seed too).
    """

    def __init__(self, paths: Sequence[str | os.PathLike], labels: Sequence[int], class_names: Sequence[str],
                 sampling: ClipSampling = ClipSampling(), batch_size: int = 8,
                 augmentation: ClipAugmentation | None = None, shuffle: bool = False, seed: int = 0,
                 label_mode: str = "categorical", use_cache: bool = True, progress: bool = False,
                 workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
        super().__init__(workers=workers, use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size)
        if label_mode not in LABEL_MODES:
            raise ValueError(f"label_mode={label_mode!r}: use one of {LABEL_MODES}")
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size}: need at least 1")
        if len(paths) != len(labels):
            raise ValueError(f"{len(paths)} videos but {len(labels)} labels")
        if not len(paths):
            raise ValueError("no videos to make a dataset of")
        bad = [label for label in labels if not 0 <= int(label) < len(class_names)]
        if bad:
            raise ValueError(f"labels {sorted(set(bad))[:5]} outside 0..{len(class_names) - 1} ({len(class_names)} "
                             "classes)")
        self.paths = [Path(p) for p in paths]
        self.labels = np.asarray(labels, np.int32)
        self.class_names = list(class_names)
        self.sampling, self.batch_size, self.augmentation = sampling, batch_size, augmentation
        self.shuffle, self.seed, self.label_mode = shuffle, seed, label_mode
        self.epoch = 0
        decoded = [decode_for_sampling(p, sampling, use_cache)
                   for p in progress_bar(self.paths, desc="decoding clips", unit="clip", enabled=progress)]
        self.clips = [source for source, _ in decoded]
        self.foregrounds = [foreground for _, foreground in decoded]  # gray frames the crop is found in, or None
        self.fps = [probe_video(p).fps for p in self.paths]
        self.samples = self._cut_samples()
        self.order = self._order()

    @classmethod
    def from_folder(cls, root: str | os.PathLike, classes: list[str] | None = None,
                    select: Callable[[Path], bool] | None = None, **options) -> ClipDataset:
        """Return a dataset of ROOT/CLASS/*.avi|mp4|...; select(path) keeps a subset (a split); options as __init__."""
        paths, labels, names = list_videos(root, classes)
        if select is not None:
            kept = [i for i, path in enumerate(paths) if select(path)]
            paths, labels = [paths[i] for i in kept], [labels[i] for i in kept]
        return cls(paths, labels, names, **options)

    def _cut_samples(self) -> list[tuple[int, np.ndarray]]:
        """Return every sample as (clip index, frame indices), warning once per clip shorter than a sample."""
        samples = []
        for index, (clip, fps) in enumerate(zip(self.clips, self.fps)):
            n = len(clip)
            needed = self.sampling.frames if self.sampling.mode == "spread" else self.sampling.frames_spanned(fps)
            if n < needed:
                warn_short(str(self.paths[index]), n, needed, self.sampling.short)
            for start in self.sampling.sample_starts(n, fps):
                indices = fit_to_length(self.sampling.sample_indices(n, start, fps), n, self.sampling.short)
                samples.append((index, indices))
        return samples

    def _order(self) -> np.ndarray:
        """Return this epoch's sample order (a permutation from (seed, epoch) when shuffling)."""
        if not self.shuffle:
            return np.arange(len(self.samples))
        return np.random.default_rng([self.seed, self.epoch]).permutation(len(self.samples))

    def __len__(self) -> int:
        """Return the number of batches per epoch."""
        return -(-len(self.samples) // self.batch_size)

    def sample(self, position: int, augment: bool = True) -> tuple[np.ndarray, int]:
        """Return sample number `position` (in dataset order, not shuffled): (frames, H, W, C) float32 and its label."""
        clip_index, indices = self.samples[position]
        clip = cut_sample(self.clips[clip_index], self.foregrounds[clip_index], indices, self.sampling)
        if augment and self.augmentation is not None:
            rng = np.random.default_rng([self.seed, self.epoch, position])
            clip = apply_transform(clip, self.augmentation.draw(rng), self.sampling.motion)
        return clip, int(self.labels[clip_index])

    def __getitem__(self, batch_index: int) -> tuple[np.ndarray, np.ndarray]:
        """Return batch number batch_index: (batch, frames, H, W, C) float32 in [0, 1] and its labels."""
        if not 0 <= batch_index < len(self):
            raise IndexError(f"batch {batch_index} of {len(self)}")
        positions = self.order[batch_index * self.batch_size:(batch_index + 1) * self.batch_size]
        pairs = [self.sample(int(p)) for p in positions]
        batch = np.stack([clip for clip, _ in pairs])
        labels = np.array([label for _, label in pairs], np.int32)
        if self.label_mode == "categorical":
            return batch, np.eye(len(self.class_names), dtype=np.float32)[labels]
        return batch, labels

    def on_epoch_end(self) -> None:
        """Start the next epoch: new augmentations, and a new order when shuffling."""
        self.epoch += 1
        self.order = self._order()

    @property
    def sample_clips(self) -> np.ndarray:
        """Return the clip index of every sample, (samples,) int, in dataset order."""
        return np.array([clip for clip, _ in self.samples], int)

    def class_counts(self) -> dict[str, tuple[int, int]]:
        """Return {class name: (clips, samples)}."""
        clips = Counter(int(label) for label in self.labels)
        samples = Counter(int(self.labels[clip]) for clip, _ in self.samples)
        return {name: (clips[i], samples[i]) for i, name in enumerate(self.class_names)}

    def describe(self) -> str:
        """Return one line per class with its clips and samples, and the sample shape."""
        lines = [f"{len(self.paths)} clips, {len(self.samples)} samples of {self.sampling.sample_shape}, "
                 f"{len(self)} batches of {self.batch_size}"]
        lines += [f"  {name}: {clips} clips, {samples} samples" for name, (clips, samples) in self.class_counts().items()]
        return "\n".join(lines)
