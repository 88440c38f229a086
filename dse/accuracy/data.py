"""Datasets for training and accuracy: scikit-learn digits (bundled), CIFAR-10 (the standard python
batch files) and ImageNet-style class folders. Images come back NHWC float32 in [0, 1], labels int32.

A missing or malformed dataset raises :class:`DataError` naming where it looked and what it expects.
"""
from __future__ import annotations

import os
import pickle

import numpy as np

__all__ = ["DataError", "load", "load_digits", "load_cifar10", "load_imagenet", "DATASETS"]

DATASETS = ("digits", "cifar10", "imagenet")


class DataError(ValueError):
    """A dataset that cannot be found or read."""


def load_digits(split: str = "test", test_fraction: float = 0.2, seed: int = 0):
    """scikit-learn's 8x8 digits (1797 images, 16 grey levels scaled to [0, 1]); a fixed, seeded
    split: ``test`` is 20 % (360 images), ``train`` the rest."""
    from sklearn.datasets import load_digits as _ld

    d = _ld()
    x = (d.images.astype(np.float32) / 16.0)[..., None]
    y = d.target.astype(np.int32)
    perm = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(test_fraction * len(y)))
    idx = perm[:n_test] if split == "test" else perm[n_test:]
    return x[idx], y[idx]


_CIFAR_FILES = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}


def load_cifar10(folder: str, split: str = "test"):
    """CIFAR-10 from the python batch files (``data_batch_1`` .. ``data_batch_5``, ``test_batch``) in
    ``folder`` or its ``cifar-10-batches-py`` subfolder."""
    if folder is None:
        raise DataError("cifar10: no data folder given; pass the folder holding the CIFAR-10 python batch files "
                        "(data_batch_1..5, test_batch), e.g. --data-dir ~/data/cifar-10-batches-py")
    cands = [folder, os.path.join(folder, "cifar-10-batches-py")]
    base = next((c for c in cands if os.path.isfile(os.path.join(c, _CIFAR_FILES[split][0]))), None)
    if base is None:
        raise DataError(f"cifar10: no {_CIFAR_FILES[split][0]} in {' or '.join(repr(c) for c in cands)}; expected the "
                        f"CIFAR-10 python version (data_batch_1..5 and test_batch, pickled dicts with "
                        f"b'data' (10000, 3072) uint8 and b'labels')")
    xs, ys = [], []
    for name in _CIFAR_FILES[split]:
        path = os.path.join(base, name)
        try:
            with open(path, "rb") as f:
                d = pickle.load(f, encoding="bytes")
            data = np.asarray(d[b"data"], np.uint8)
            labels = np.asarray(d[b"labels"], np.int32)
            if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
                raise ValueError(f"data has shape {data.shape}, labels {len(labels)}")
        except (OSError, pickle.UnpicklingError, KeyError, ValueError, EOFError) as e:
            raise DataError(f"cifar10: {path} is not a CIFAR-10 python batch file ({e}); expected a pickled dict "
                            f"with b'data' (N, 3072) uint8 and b'labels' (N,)") from None
        xs.append(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        ys.append(labels)
    return np.concatenate(xs).astype(np.float32) / 255.0, np.concatenate(ys)


_IMG_EXT = (".jpeg", ".jpg", ".png", ".bmp")


def load_imagenet(folder: str, split: str = "test", limit: int | None = None, size: int = 224):
    """ImageNet-style folders: ``folder/<split>/<class>/<image>`` (``test`` reads ``val``), classes in
    sorted order; images resized (short side 256) and centre-cropped to ``size``."""
    from PIL import Image

    if folder is None:
        raise DataError("imagenet: no data folder given; expected FOLDER/train/<class>/*.JPEG and FOLDER/val/<class>/*.JPEG")
    sub = {"test": "val", "val": "val", "train": "train"}[split]
    base = os.path.join(folder, sub)
    if not os.path.isdir(base):
        raise DataError(f"imagenet: no folder {base!r}; expected {folder}/{sub}/<class>/<image files>")
    classes = sorted(c for c in os.listdir(base) if os.path.isdir(os.path.join(base, c)))
    if not classes:
        raise DataError(f"imagenet: {base!r} has no class subfolders; expected {base}/<class>/<image files>")
    files = [(os.path.join(base, c, f), i) for i, c in enumerate(classes)
             for f in sorted(os.listdir(os.path.join(base, c))) if f.lower().endswith(_IMG_EXT)]
    if not files:
        raise DataError(f"imagenet: no images ({', '.join(_IMG_EXT)}) under {base!r}/<class>/")
    if limit:
        files = [files[i] for i in np.random.default_rng(0).permutation(len(files))[:limit]]
    xs = np.empty((len(files), size, size, 3), np.float32)
    for n, (path, _) in enumerate(files):
        try:
            im = Image.open(path).convert("RGB")
        except OSError as e:
            raise DataError(f"imagenet: cannot read image {path} ({e})") from None
        s = 256 / min(im.size)
        im = im.resize((max(size, round(im.size[0] * s)), max(size, round(im.size[1] * s))))
        l, t = (im.size[0] - size) // 2, (im.size[1] - size) // 2
        xs[n] = np.asarray(im.crop((l, t, l + size, t + size)), np.float32) / 255.0
    return xs, np.array([c for _, c in files], np.int32)


def load(name: str, folder: str | None = None, split: str = "test", limit: int | None = None):
    """A dataset by name (``digits``, ``cifar10``, ``imagenet``): ``(x, y)``, at most ``limit`` samples
    (the first ones, in a fixed order)."""
    if name == "digits":
        x, y = load_digits(split)
    elif name == "cifar10":
        x, y = load_cifar10(folder, split)
    elif name == "imagenet":
        return load_imagenet(folder, split, limit)
    else:
        raise DataError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    if limit is not None:
        x, y = x[:limit], y[:limit]
    return x, y
