"""Pinning TensorFlow (and OpenMP) to a number of threads: training jobs share a 2-core machine, so each command
that trains takes --threads and calls this once, before TensorFlow builds anything."""

from __future__ import annotations

import os


def limit_threads(threads: int = 1) -> None:
    """Limit TensorFlow to `threads` intra-op and inter-op threads, and OpenMP to `threads` unless already set.

    Call before any TensorFlow work; once TensorFlow has started its pools, they stay as they are (no error)."""
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass  # TensorFlow already started; its thread pools stay as they are
