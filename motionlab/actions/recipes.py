"""Training recipes: everything a learned method's fold run varies besides its architecture and input (sampling
changes, model sizes, patience, learning-rate schedule, training windows, augmentation), named so that a method
"conv3d@long" is the 3D-conv network trained with the recipe "long". Which recipe won, on which data, is in
models/README_actions.md."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..clips import ClipAugmentation, ClipSampling
from .models import ModelSettings

PATIENCE = 4  # epochs without a better validation loss before stopping (the first recipes' choice)
TRAIN_STRIDE = 12  # frames between training windows (evaluation windows are 4 apart, as classify reads videos)
ENSEMBLE_MEMBERS = 3  # models averaged by the ensemble recipes: the fewest that can outvote one wrong member
AUGMENTATION = ClipAugmentation(flip=0.5, shift=0.1, zoom=0.1, rotation=5.0, brightness=0.0)  # silhouettes: no gain


@dataclass(frozen=True)
class Recipe:
    """A named training recipe. sampling: (field, value) changes to the data set's ClipSampling; settings: model
    sizes and learning rate; patience: epochs without a better validation loss before stopping; lr_patience:
    epochs without a better loss before the learning rate halves (0: constant); train_stride: frames between
    training windows; augmentation: the per-clip transform of training windows; members: models trained from
    different seeds whose class probabilities are averaged (an ensemble; 1: a single model)."""

    name: str
    sampling: tuple[tuple[str, object], ...] = ()
    settings: ModelSettings = field(default_factory=ModelSettings)
    patience: int = PATIENCE
    lr_patience: int = 0
    train_stride: int = TRAIN_STRIDE
    augmentation: ClipAugmentation = AUGMENTATION
    members: int = 1

    def apply(self, sampling: ClipSampling) -> ClipSampling:
        """Return the data set's sampling with this recipe's changes."""
        return replace(sampling, **dict(self.sampling))


BASE = Recipe("base")  # the recipe of the first measurements (models/README_actions.md)
RECIPES = {recipe.name: recipe for recipe in (
    BASE,
    Recipe("patient", patience=8, lr_patience=3),  # longer patience, learning rate halved on plateaus
    Recipe("patient_frames16", sampling=(("frames", 16),), patience=8, lr_patience=3),  # and 16 frames per 0.96 s
    Recipe("patient_size48", sampling=(("size", (48, 48)),), patience=8, lr_patience=3),  # and a 48x48 crop, not 32x32
    Recipe("patient_x3", patience=8, lr_patience=3, members=ENSEMBLE_MEMBERS),  # `patient`, three seeds averaged
    # gestures: frame differences of the whole gesture, larger frames, windows every 4 frames
    Recipe("gesture_diff", sampling=(("motion", "diff"), ("channels", 1), ("size", (48, 64)), ("sequence_seconds", 2.0),
                                     ("frames", 10)), patience=8, lr_patience=3, train_stride=4),
    # gestures: the same, each window cut around its moving pixels (decoded at 96x128) and fitted into 48x48
    Recipe("gesture_crop", sampling=(("motion", "diff"), ("channels", 1), ("size", (48, 48)), ("crop", "motion"),
                                     ("decode_size", (96, 128)), ("sequence_seconds", 2.0), ("frames", 10)),
           patience=8, lr_patience=3, train_stride=4),
)}


SHIPPED_METHODS = {"weizmann": "cnn_gru@patient_x3", "gestures": "cnn_gru@gesture_diff"}  # each shipped model's method:
# the best mean validation-group accuracy (models/README_actions.md); its recipe's sampling is what classify reads


def split_recipe(method: str) -> tuple[str, Recipe]:
    """Return (method without its recipe, Recipe) of a method name like "conv3d@patient" ("conv3d": the base)."""
    base, _, name = method.partition("@")
    if name and name not in RECIPES:
        raise ValueError(f"recipe {name!r} in {method!r}: use one of {sorted(RECIPES)}")
    return base, RECIPES[name] if name else BASE
