"""Video files and their classes from a folder layout ROOT/CLASS/*.avi (HMDB / UCF style)."""

from __future__ import annotations

import os
from pathlib import Path

VIDEO_EXTENSIONS = (".avi", ".mp4", ".mov", ".mkv", ".webm", ".mpg", ".mpeg", ".m4v")  # what counts as a video


def is_video(path: str | os.PathLike) -> bool:
    """Return whether a path's suffix is one of VIDEO_EXTENSIONS (case-insensitive)."""
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def list_videos(root: str | os.PathLike, classes: list[str] | None = None) -> tuple[list[Path], list[int], list[str]]:
    """Return (video paths, integer labels, class names) of ROOT/CLASS/**/VIDEO, classes sorted by name.

    classes: the class folders to read, in label order (default: every sub-folder holding a video).
    Raises ValueError if the root is missing or holds no video.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{root}: no such folder of class sub-folders")
    if classes is None:
        classes = sorted(folder.name for folder in root.iterdir()
                         if folder.is_dir() and any(is_video(p) for p in folder.rglob("*")))
    paths, labels = [], []
    for label, name in enumerate(classes):
        folder = root / name
        if not folder.is_dir():
            raise ValueError(f"{folder}: class folder {name!r} is missing")
        found = sorted(p for p in folder.rglob("*") if p.is_file() and is_video(p))
        paths += found
        labels += [label] * len(found)
    if not paths:
        raise ValueError(f"{root}: no video files ({', '.join(VIDEO_EXTENSIONS)}) in its class folders")
    return paths, labels, list(classes)
