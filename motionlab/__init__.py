"""motionlab: reading motion in video (dashcam speed, jump-rope counting, actions, next frames)."""

__version__ = "0.1.0"

from ._quiet import quiet_tensorflow_import

quiet_tensorflow_import()  # the one place that keeps TensorFlow's start-up lines (cuInit, oneDNN) off stderr
