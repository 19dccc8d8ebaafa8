"""Video clip datasets for Keras 3: batches of frame sequences (batch, frames, height, width, channels) from
folders of videos, sampled evenly, in sliding windows or as motion, with one augmentation per clip and splits
by group (the person, the recording)."""

from .augment import ClipAugmentation
from .dataset import ClipDataset
from .folder import list_videos
from .sampling import ClipSampling
from .splits import group_folds, split_by_groups

__all__ = ["ClipAugmentation", "ClipDataset", "ClipSampling", "group_folds", "list_videos", "split_by_groups"]
