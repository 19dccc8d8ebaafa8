"""Next-frame predictors (Keras 3, functional): the seed's Conv3D hybrid, a ConvLSTM2D stack, and an all-convolution
SimVP-style encoder / translator / decoder. Inputs (batch, T, H, W, C) in [0, 1]; outputs frames in [0, 1]."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
from keras import layers, ops


def _batch_time(frames) -> tuple:
    """Return the (batch, time) to reshape back to: the static time where known (TimeDistributed needs it)."""
    time = frames.shape[1]
    return (-1, time) if time is not None else (ops.shape(frames)[0], -1)


@keras.saving.register_keras_serializable(package="motionlab_nextframe")
class SpaceToDepth(layers.Layer):
    """(B, T, H, W, C) -> (B, T, H/p, W/p, p*p*C): each p x p patch of pixels becomes channels (no weights)."""

    def __init__(self, patch: int, **kwargs):
        super().__init__(**kwargs)
        self.patch = patch

    def call(self, frames):
        height, width, channels = frames.shape[2:]
        p = self.patch
        blocks = ops.reshape(frames, (-1, height // p, p, width // p, p, channels))
        blocks = ops.transpose(blocks, (0, 1, 3, 2, 4, 5))
        return ops.reshape(blocks, (*_batch_time(frames), height // p, width // p, p * p * channels))

    def compute_output_shape(self, shape):
        batch, time, height, width, channels = shape
        return (batch, time, height // self.patch, width // self.patch, self.patch ** 2 * channels)

    def get_config(self):
        return {**super().get_config(), "patch": self.patch}


@keras.saving.register_keras_serializable(package="motionlab_nextframe")
class DepthToSpace(layers.Layer):
    """(B, T, h, w, p*p*C) -> (B, T, h*p, w*p, C): the inverse of SpaceToDepth."""

    def __init__(self, patch: int, **kwargs):
        super().__init__(**kwargs)
        self.patch = patch

    def call(self, blocks):
        height, width, depth = blocks.shape[2:]
        p = self.patch
        channels = depth // (p * p)
        frames = ops.reshape(blocks, (-1, height, width, p, p, channels))
        frames = ops.transpose(frames, (0, 1, 3, 2, 4, 5))
        return ops.reshape(frames, (*_batch_time(blocks), height * p, width * p, channels))

    def compute_output_shape(self, shape):
        batch, time, height, width, depth = shape
        return (batch, time, height * self.patch, width * self.patch, depth // self.patch ** 2)

    def get_config(self):
        return {**super().get_config(), "patch": self.patch}


@keras.saving.register_keras_serializable(package="motionlab_nextframe")
class TimeToChannels(layers.Layer):
    """(B, T, h, w, C) -> (B, h, w, T*C): stack the frames along channels, as SimVP's translator sees them."""

    def call(self, frames):
        height, width = frames.shape[2:4]
        return ops.reshape(ops.transpose(frames, (0, 2, 3, 1, 4)), (-1, height, width, frames.shape[1] * frames.shape[4]))

    def compute_output_shape(self, shape):
        batch, time, height, width, channels = shape
        return (batch, height, width, None if time is None else time * channels)


@keras.saving.register_keras_serializable(package="motionlab_nextframe")
class ChannelsToTime(layers.Layer):
    """(B, h, w, T*C) -> (B, T, h, w, C): the inverse of TimeToChannels for `steps` frames."""

    def __init__(self, steps: int, **kwargs):
        super().__init__(**kwargs)
        self.steps = steps

    def call(self, stacked):
        height, width, depth = stacked.shape[1:]
        frames = ops.reshape(stacked, (-1, height, width, self.steps, depth // self.steps))
        return ops.transpose(frames, (0, 3, 1, 2, 4))

    def get_config(self):
        return {**super().get_config(), "steps": self.steps}


@keras.saving.register_keras_serializable(package="motionlab_nextframe")
class LastFrames(layers.Layer):
    """(B, T, H, W, C) -> (B, repeats, H, W, C): the last input frame, repeated (the copy-last baseline)."""

    def __init__(self, repeats: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.repeats = repeats

    def call(self, frames):
        return ops.repeat(frames[:, -1:], self.repeats, axis=1)

    def get_config(self):
        return {**super().get_config(), "repeats": self.repeats}


@keras.saving.register_keras_serializable(package="motionlab_nextframe")
class ClipUnit(layers.Layer):
    """Clip values to [0, 1], the pixel range."""

    def call(self, values):
        return ops.clip(values, 0.0, 1.0)


@dataclass(frozen=True)
class PredictorSpec:
    """A model variant: its architecture, frames in and out, frame size and channels, and whether it adds a
    correction to the last frame (residual) or draws the frames itself (sigmoid)."""

    architecture: str  # "simvp", "convlstm" or "conv3d_hybrid"
    context: int
    steps: int
    size: tuple[int, int]
    channels: int
    residual: bool
    width: int = 64  # hidden channels of the translator (simvp) or ConvLSTM cells
    patch: int = 4  # pixels per side folded into channels before any convolution
    blocks: int = 4  # residual blocks in the simvp translator
    warp_input: bool = False  # also reads the Farneback warp of the last frame, as one more frame after the context

    @property
    def name(self) -> str:
        """Return a name built from the fields, e.g. simvp_10to10_64x64x1_w64."""
        height, width = self.size
        kind = "res" if self.residual else "abs"
        return (f"{self.architecture}_{self.context}to{self.steps}_{height}x{width}x{self.channels}_{kind}"
                f"_w{self.width}_p{self.patch}_b{self.blocks}{'_warp' if self.warp_input else ''}")


def _output(blocks, frames_in, spec: PredictorSpec):
    """Return predicted frames from (B, steps, h, w, p*p*C) blocks: sigmoid, or last frame plus correction."""
    frames = DepthToSpace(spec.patch, name="to_pixels")(blocks)
    if not spec.residual:
        return layers.Activation("sigmoid", name="frames")(frames)
    last = LastFrames(spec.steps, name="last_frame")(frames_in)
    return ClipUnit(name="frames")(layers.Add(name="last_plus_change")([last, frames]))


def _last_initializer(spec: PredictorSpec) -> str:
    """Return the last layer's initializer: zeros for a residual model, so training starts at copy-last."""
    return "zeros" if spec.residual else "glorot_uniform"


def build_simvp(spec: PredictorSpec) -> keras.Model:
    """Return the all-convolution predictor: per-frame encoder, a translator over the stacked frames, per-frame
    decoder with a skip from the last frame's features; (B, context, H, W, C) -> (B, steps, H, W, C)."""
    frames_in = spec.context + int(spec.warp_input)  # with warp_input the last frame is the warped one
    inputs = keras.Input((frames_in, *spec.size, spec.channels), name="context_frames")
    patches = SpaceToDepth(spec.patch, name="to_patches")(inputs)
    encoder_width = max(spec.width // 2, 16)
    features = layers.TimeDistributed(layers.Conv2D(encoder_width, 3, padding="same", activation="gelu"),
                                      name="encoder_1")(patches)
    features = layers.TimeDistributed(layers.Conv2D(encoder_width, 3, padding="same", activation="gelu"),
                                      name="encoder_2")(features)
    hidden = layers.Conv2D(spec.width, 1, activation="gelu", name="translator_in")(TimeToChannels()(features))
    for index in range(spec.blocks):
        branch = layers.GroupNormalization(groups=8, name=f"translator_{index}_norm")(hidden)
        branch = layers.Conv2D(spec.width * 2, 3, padding="same", activation="gelu",
                               name=f"translator_{index}_a")(branch)
        branch = layers.Conv2D(spec.width, 3, padding="same", name=f"translator_{index}_b")(branch)
        hidden = layers.Add(name=f"translator_{index}")([hidden, branch])
    future = ChannelsToTime(spec.steps)(layers.Conv2D(spec.steps * encoder_width, 1, name="translator_out")(hidden))
    skip = LastFrames(spec.steps, name="last_features")(features)
    decoded = layers.Concatenate(name="with_last_features")([future, skip])
    decoded = layers.TimeDistributed(layers.Conv2D(encoder_width, 3, padding="same", activation="gelu"),
                                     name="decoder_1")(decoded)
    last_layer = layers.Conv2D(spec.patch ** 2 * spec.channels, 1, kernel_initializer=_last_initializer(spec))
    blocks_out = layers.TimeDistributed(last_layer, name="decoder_2")(decoded)
    return keras.Model(inputs, _output(blocks_out, inputs, spec), name=spec.name)


def build_convlstm(spec: PredictorSpec) -> keras.Model:
    """Return a ConvLSTM2D stack (keras-io's Moving MNIST recipe on 4x4 patches) that reads any number of frames
    and predicts, at every step, the next frame: (B, T, H, W, C) -> (B, T, H, W, C), output t = frame t+1."""
    inputs = keras.Input((None, *spec.size, spec.channels), name="frames")
    patches = SpaceToDepth(spec.patch, name="to_patches")(inputs)
    hidden = layers.ConvLSTM2D(spec.width, 3, padding="same", return_sequences=True, name="convlstm_1")(patches)
    hidden = layers.BatchNormalization(name="norm_1")(hidden)
    hidden = layers.ConvLSTM2D(spec.width, 3, padding="same", return_sequences=True, name="convlstm_2")(hidden)
    blocks = layers.Conv3D(spec.patch ** 2 * spec.channels, (1, 3, 3), padding="same", name="to_blocks")(hidden)
    frames = DepthToSpace(spec.patch, name="to_pixels")(blocks)
    return keras.Model(inputs, layers.Activation("sigmoid", name="next_frames")(frames), name=spec.name)


def build_conv3d_hybrid(spec: PredictorSpec, noise: float = 0.1) -> keras.Model:
    """Return the seed's hybrid: Gaussian noise on the input, the last frame plus a Conv3D correction over all the
    frames; (B, context, H, W, C) -> (B, 1, H, W, C)."""
    inputs = keras.Input((spec.context, *spec.size, spec.channels), name="context_frames")
    noisy = layers.GaussianNoise(noise, name="noise")(inputs)
    patches = SpaceToDepth(spec.patch, name="to_patches")(noisy)
    hidden = layers.Conv3D(spec.width, 3, padding="same", activation="relu", name="conv3d")(patches)
    stacked = TimeToChannels()(hidden)
    change = layers.Conv2D(spec.patch ** 2 * spec.channels, 3, padding="same", name="change",
                           kernel_initializer=_last_initializer(spec))(stacked)
    blocks = ChannelsToTime(1)(change)
    frames = DepthToSpace(spec.patch, name="to_pixels")(blocks)
    last = LastFrames(1, name="last_frame")(noisy)
    return keras.Model(inputs, ClipUnit(name="frames")(layers.Add(name="last_plus_change")([last, frames])),
                       name=spec.name)


BUILDERS = {"simvp": build_simvp, "convlstm": build_convlstm, "conv3d_hybrid": build_conv3d_hybrid}


def build_predictor(spec: PredictorSpec) -> keras.Model:
    """Return the untrained model a spec names."""
    if spec.architecture not in BUILDERS:
        raise ValueError(f"architecture {spec.architecture!r}: expected one of {sorted(BUILDERS)}")
    height, width = spec.size
    if height % spec.patch or width % spec.patch:
        raise ValueError(f"size {spec.size}: not a multiple of the patch {spec.patch}")
    return BUILDERS[spec.architecture](spec)


FLOW_METHODS = ("farneback", "dis")  # dense flow a FlowWarpPredictor can use: motionlab.flow's Farneback (the seed's
# settings) or OpenCV's DIS at its ULTRAFAST preset (models/README_nextframe.md compares them on validation)
DIS_FINEST_SCALE = 0  # DIS pyramid level the flow ends at: 0, the frame itself. The ULTRAFAST preset's 2 works on a
# quarter-size image: same validation scores at 64x64 (OpenCV caps the level there), 0.649x copy-last against 0.524x
# for 0 with the 0.8 blend on the 96x96 colour validation activities
REPEAT_LEVELS = 0.5  # gray levels (of 255): a frame pair whose mean absolute difference is below this is a repeated
# frame (frame-rate conversion re-encodes the same picture: 0.4 median on bar_lift's repeats at 64x64, while moving
# pairs differ by 1.2-9); set from the training videos' histogram of pair differences


def repeated_pairs(gray_frames: np.ndarray) -> np.ndarray:
    """Return, for (T, H, W) uint8 frames, (T - 1,) bool: True where frame t + 1 repeats frame t."""
    difference = np.abs(np.diff(gray_frames.astype(np.int16), axis=0)).mean(axis=(1, 2))
    return difference < REPEAT_LEVELS


def latest_moving_pair(gray_frames: np.ndarray) -> int:
    """Return the index t of the latest pair (t, t + 1) of (T, H, W) frames that is not a repeat (the last if all are)."""
    moving = np.flatnonzero(~repeated_pairs(gray_frames))
    return int(moving[-1]) if len(moving) else len(gray_frames) - 2


class FlowWarpPredictor:
    """Classical motion compensation, no training: dense flow from the last frame back to the one before, and the
    last frame warped one more step along it (repeatedly for more steps). With warp_weight < 1 each step is that
    share of the warp plus the rest of the frame it came from: where the motion is uncertain, a blend of the two
    guesses costs less squared error than either. flow picks Farneback or DIS (FLOW_METHODS); with skip_repeats the
    flow comes from the latest pair of the `context` frames that is not a repeated frame (a repeat has zero flow,
    and the motion goes on after it). It quacks like a Keras predictor: input_shape (None, context, H, W, C),
    output_shape (None, steps, H, W, C), predict_on_batch(frames in [0, 1])."""

    def __init__(self, size: tuple[int, int] = (64, 64), channels: int = 1, steps: int = 1,
                 warp_weight: float = 1.0, flow: str = "farneback", skip_repeats: bool = False, context: int = 2):
        if not 0.0 <= warp_weight <= 1.0:
            raise ValueError(f"warp_weight must be in [0, 1], got {warp_weight}")
        if flow not in FLOW_METHODS:
            raise ValueError(f"flow {flow!r}: expected one of {', '.join(FLOW_METHODS)}")
        if context < 2:
            raise ValueError(f"context must be at least 2 frames, got {context}")
        self.size, self.channels, self.steps, self.warp_weight = tuple(size), channels, steps, warp_weight
        self.flow, self.skip_repeats = flow, skip_repeats
        self.input_shape = (None, context, *self.size, channels)
        self.output_shape = (None, steps, *self.size, channels)
        kind = "flow_warp" if warp_weight == 1.0 else f"flow_blend{warp_weight:g}"
        extras = ("_dis" if flow == "dis" else "") + ("_skiprepeats" if skip_repeats else "")
        self.name = f"{kind}{extras}_{self.size[0]}x{self.size[1]}x{channels}"
        columns, rows = np.meshgrid(np.arange(self.size[1]), np.arange(self.size[0]))
        self._grid = np.stack([columns, rows], axis=-1).astype(np.float32)
        self._dis = None

    def back_flow(self, last_gray: np.ndarray, previous_gray: np.ndarray) -> np.ndarray:
        """Return (H, W, 2) float32 flow from the last frame back to the previous one (where each pixel came from)."""
        if self.flow == "farneback":
            from ..flow import farneback

            return farneback(last_gray, previous_gray)
        if self._dis is None:
            import cv2

            self._dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
            self._dis.setFinestScale(DIS_FINEST_SCALE)
        return self._dis.calc(last_gray, previous_gray, None)

    def predict_on_batch(self, frames: np.ndarray) -> np.ndarray:
        """Return (N, steps, H, W, C) float32: the last of (N, T >= 2, H, W, C) frames carried along its motion."""
        import cv2

        frames = np.asarray(frames, np.float32)[:, -self.input_shape[1]:]
        predictions = np.empty((len(frames), self.steps, *frames.shape[2:]), np.float32)
        for index, window in enumerate(frames):
            gray = np.clip(window.mean(axis=-1) * 255 + 0.5, 0, 255).astype(np.uint8)
            pair = latest_moving_pair(gray) if self.skip_repeats else len(gray) - 2
            source = self._grid + self.back_flow(gray[pair + 1], gray[pair])  # where each pixel of the last frame
            # came from
            frame = window[-1]
            for step in range(self.steps):
                warped = cv2.remap(frame, source[..., 0], source[..., 1], cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_REPLICATE).reshape(frame.shape)
                frame = self.warp_weight * warped + (1.0 - self.warp_weight) * frame
                predictions[index, step] = frame
        return predictions


def with_warped_frame(context: np.ndarray) -> np.ndarray:
    """Return (N, K + 1, H, W, C): the context frames followed by the Farneback warp of the last one."""
    warp = FlowWarpPredictor(context.shape[2:4], context.shape[-1], steps=1)
    return np.concatenate([context, warp.predict_on_batch(context[:, -2:])], axis=1)


class WarpInputPredictor:
    """A model built with warp_input, seen as an ordinary predictor: it takes (N, K, H, W, C) context frames and adds
    the warped frame itself. Same input_shape / output_shape / predict_on_batch as a Keras predictor."""

    def __init__(self, model):
        self.model, self.name = model, model.name
        self.input_shape = (None, model.input_shape[1] - 1, *model.input_shape[2:])
        self.output_shape = model.output_shape

    def predict_on_batch(self, frames: np.ndarray) -> np.ndarray:
        """Return the model's prediction after the last K frames and their warp."""
        return self.model.predict_on_batch(with_warped_frame(np.asarray(frames, np.float32)[:, -self.input_shape[1]:]))
