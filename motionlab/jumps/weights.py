"""Is a weights file a jump counter? A check of a .keras file's stored config before TensorFlow loads, and of the
loaded model's input and output shapes, each failing in one line that names the file."""

from __future__ import annotations

import os
from pathlib import Path

from ..model_files import declared_input_shapes
from .data import COUNTER_CHANNELS

WHAT = "counter weights"  # what the file should be, as the errors name it
COUNTER_INPUT = f"(batch, frames, S, S, {COUNTER_CHANNELS})"  # what a counter takes, as the errors print it


def _not_a_counter(path: Path, what: str) -> ValueError:
    """Return the error for a model that is not a jump counter."""
    return ValueError(f"{path}: not a jump counter: {what}; a counter takes {COUNTER_INPUT} and gives (batch, frames)")


def _check_input_shape(path: Path, shape: tuple) -> None:
    """Raise ValueError unless shape is a counter's input, (None, T, S, S, COUNTER_CHANNELS)."""
    if len(shape) != 5 or shape[-1] != COUNTER_CHANNELS or shape[2] != shape[3]:
        raise _not_a_counter(path, f"its input is {tuple(shape)}")


def check_counter_file(path: str | os.PathLike) -> Path:
    """Return the path of a .keras archive whose stored config has one counter-shaped input (milliseconds, no
    TensorFlow); ValueError naming the file otherwise. The output is checked after loading (check_counter_model)."""
    path = Path(path)
    shapes = declared_input_shapes(path, WHAT)
    if len(shapes) > 1:
        raise _not_a_counter(path, f"it takes {len(shapes)} inputs")
    if shapes and shapes[0] is not None:
        _check_input_shape(path, shapes[0])
    return path


def check_counter_model(model, path: str | os.PathLike) -> None:
    """Raise ValueError naming path unless the loaded Keras model maps (B, T, S, S, 2) to (B, T)."""
    path = Path(path)
    if len(model.inputs) != 1:
        raise _not_a_counter(path, f"it takes {len(model.inputs)} inputs")
    if len(model.outputs) != 1:
        raise _not_a_counter(path, f"it gives {len(model.outputs)} outputs")
    _check_input_shape(path, tuple(model.input_shape))
    if tuple(model.output_shape) != (None, model.input_shape[1]):
        raise _not_a_counter(path, f"its output is {tuple(model.output_shape)} for input {tuple(model.input_shape)}")
