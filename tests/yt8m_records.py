"""Generated YouTube-8M records whose labels follow from their features, and broken variants."""

from __future__ import annotations

from pathlib import Path

import numpy as np

LEARNABLE_CLASSES = (3, 7, 22, 40, 41)
"""Label indices of the generated records; 22 is Cooking in the real vocabulary."""


def _example(video_id: str, labels: list[int], rgb: np.ndarray | None, audio: np.ndarray | None) -> bytes:
    import tensorflow as tf

    feature = {
        "id": tf.train.Feature(bytes_list=tf.train.BytesList(value=[video_id.encode()])),
        "labels": tf.train.Feature(int64_list=tf.train.Int64List(value=labels)),
    }
    if rgb is not None:
        feature["mean_rgb"] = tf.train.Feature(float_list=tf.train.FloatList(value=rgb.tolist()))
    if audio is not None:
        feature["mean_audio"] = tf.train.Feature(float_list=tf.train.FloatList(value=audio.tolist()))
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def write_learnable(path: Path, n: int, seed: int = 0, sample_seed: int | None = None, unseen_label: int | None = None, prefix: str = "v") -> Path:
    """``n`` records: class k is present when its feature direction is active, so the labels are a
    (noisy) function of the features. Each video has 1 to 3 labels.

    The directions follow ``seed``; ``sample_seed`` draws other videos with the same directions (a
    held-out file for a model trained on ``seed``'s). ``unseen_label`` is added to every third
    video: a class that no video of the training file has. Ids are ``<prefix>00000``…"""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(len(LEARNABLE_CLASSES), 1024 + 128))
    if sample_seed is not None:
        rng = np.random.default_rng(sample_seed)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for i in range(n):
            active = rng.random(len(LEARNABLE_CLASSES)) < 0.35
            if not active.any():
                active[rng.integers(len(LEARNABLE_CLASSES))] = True
            x = rng.normal(scale=0.5, size=1024 + 128) + active.astype(float) @ directions
            labels = [c for c, on in zip(LEARNABLE_CLASSES, active) if on] + ([unseen_label] if unseen_label is not None and i % 3 == 0 else [])
            writer.write(_example(f"{prefix}{i:05d}", labels, x[:1024].astype(np.float32), x[1024:].astype(np.float32)))
    return path


def write_record(path: Path, labels: list[int], rgb_len: int = 1024, audio_len: int | None = 128) -> Path:
    """One record with chosen feature lengths (``audio_len=None`` leaves mean_audio out)."""
    import tensorflow as tf

    with tf.io.TFRecordWriter(str(path)) as writer:
        writer.write(_example("odd", labels, np.zeros(rgb_len, np.float32), None if audio_len is None else np.zeros(audio_len, np.float32)))
    return path
