"""Splits by group (the person, the recording), never by clip or window: each group lies in one part only."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np


def group_of(paths: Sequence, split_by: Callable) -> list[str]:
    """Return each path's group, split_by(path) as a string."""
    return [str(split_by(path)) for path in paths]


def group_folds(paths: Sequence, split_by: Callable) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Return leave-one-group-out folds: (held-out group, training indices, test indices), groups sorted."""
    groups = np.array(group_of(paths, split_by))
    names = sorted(set(groups))
    if len(names) < 2:
        raise ValueError(f"leave-one-group-out needs at least 2 groups, found {names}")
    return [(name, np.flatnonzero(groups != name), np.flatnonzero(groups == name)) for name in names]


def split_by_groups(paths: Sequence, split_by: Callable, validation: Sequence[str] = (),
                    test: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (training, validation, test) indices: clips of the named validation and test groups, the rest train.

    Raises ValueError for a group named twice or not present.
    """
    groups = np.array(group_of(paths, split_by))
    present = set(groups)
    validation, test = [str(g) for g in validation], [str(g) for g in test]
    missing = [g for g in validation + test if g not in present]
    if missing:
        raise ValueError(f"groups {missing} not found; the groups are {sorted(present)}")
    if set(validation) & set(test):
        raise ValueError(f"groups {sorted(set(validation) & set(test))} are both validation and test")
    in_validation, in_test = np.isin(groups, validation), np.isin(groups, test)
    return (np.flatnonzero(~in_validation & ~in_test), np.flatnonzero(in_validation), np.flatnonzero(in_test))
