"""Quantized networks: the reference's VGG8 and DenseNet40 (CIFAR-10) and ResNet18 (ImageNet), and a
small CNN for scikit-learn's 8x8 digits. Inputs are NHWC in [0, 1).

Every network is ``__call__(x, train=False, backend=None)``; the backend (see
:mod:`dse.accuracy.layers`) computes the CIM layers' dot products, and ``backend.pool()`` marks the
layer a pooling follows, so the NeuroSim network file is derived from the model
(:mod:`dse.accuracy.netfile`). The layer call order is the order of the reference's network files.
"""
from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from dse.accuracy.layers import Plain, QConv, QDense

__all__ = ["DigitsCNN", "VGG8", "DenseNet40", "ResNet18", "NETWORKS", "build"]


def _pool(x, be, window=2, kind="max"):
    be.pool()
    if kind == "max":
        return nn.max_pool(x, (window, window), (window, window))
    return nn.avg_pool(x, (window, window), (window, window))


class DigitsCNN(nn.Module):
    """8x8x1 digits: conv3x3(8) - conv3x3(16) - maxpool - dense(10)."""

    weight_bits: int = 8
    input_bits: int = 8
    error_bits: int = 8
    num_classes: int = 10

    @nn.compact
    def __call__(self, x, train: bool = False, backend=None):
        be = backend or Plain()
        q = dict(weight_bits=self.weight_bits, input_bits=self.input_bits, error_bits=self.error_bits)
        x = nn.relu(QConv(8, 3, **q)(x, be))
        x = nn.relu(QConv(16, 3, **q)(x, be))
        x = _pool(x, be)
        x = x.reshape(x.shape[0], -1)
        return QDense(self.num_classes, quantize_output=False, **q)(x, be)


class VGG8(nn.Module):
    """The reference's VGG8 for 32x32x3: 2x conv128, pool, 2x conv256, pool, 2x conv512, pool,
    dense 8192->1024, dense 1024->classes (ReLU after every layer but the last, no normalization)."""

    weight_bits: int = 8
    input_bits: int = 8
    error_bits: int = 8
    num_classes: int = 10

    @nn.compact
    def __call__(self, x, train: bool = False, backend=None):
        be = backend or Plain()
        q = dict(weight_bits=self.weight_bits, input_bits=self.input_bits, error_bits=self.error_bits)
        for width in (128, 256, 512):
            x = nn.relu(QConv(width, 3, **q)(x, be))
            x = nn.relu(QConv(width, 3, **q)(x, be))
            x = _pool(x, be)
        x = x.reshape(x.shape[0], -1)
        x = nn.relu(QDense(1024, **q)(x, be))
        return QDense(self.num_classes, quantize_output=False, **q)(x, be)


class _ConvBNReLU(nn.Module):
    features: int
    kernel: int
    stride: int = 1
    q: Any = None

    @nn.compact
    def __call__(self, x, train, be):
        x = QConv(self.features, self.kernel, self.stride, **self.q)(x, be)
        x = nn.BatchNorm(use_running_average=not train, momentum=0.9)(x)
        return nn.relu(x)


class DenseNet40(nn.Module):
    """The reference's DenseNet40 (growth 12, reduction 0.5): conv3x3(24); three dense blocks of 6
    bottlenecks (conv1x1(48), conv3x3(12), concatenated in front of the input) with transitions
    (conv1x1, avgpool 2) between them; global average pool; dense -> classes. Every conv is
    followed by batch normalization and ReLU."""

    weight_bits: int = 8
    input_bits: int = 8
    error_bits: int = 8
    num_classes: int = 10
    growth: int = 12
    blocks: int = 6

    @nn.compact
    def __call__(self, x, train: bool = False, backend=None):
        be = backend or Plain()
        q = dict(weight_bits=self.weight_bits, input_bits=self.input_bits, error_bits=self.error_bits)
        planes = 2 * self.growth
        x = _ConvBNReLU(planes, 3, q=q)(x, train, be)
        for stage in range(3):
            for _ in range(self.blocks):
                y = _ConvBNReLU(4 * self.growth, 1, q=q)(x, train, be)
                y = _ConvBNReLU(self.growth, 3, q=q)(y, train, be)
                x = jnp.concatenate([y, x], axis=-1)
                planes += self.growth
            if stage < 2:
                planes = planes // 2
                x = _ConvBNReLU(planes, 1, q=q)(x, train, be)
                x = _pool(x, be, 2, "avg")
        be.pool()
        x = jnp.mean(x, axis=(1, 2))
        return QDense(self.num_classes, quantize_output=False, **q)(x, be)


class _BasicBlock(nn.Module):
    features: int
    stride: int
    q: Any

    @nn.compact
    def __call__(self, x, train, be):
        y = QConv(self.features, 3, self.stride, **self.q)(x, be)
        y = nn.relu(nn.BatchNorm(use_running_average=not train, momentum=0.9)(y))
        y = QConv(self.features, 3, 1, **self.q)(y, be)
        y = nn.BatchNorm(use_running_average=not train, momentum=0.9)(y)
        if self.stride != 1 or x.shape[-1] != self.features:
            x = QConv(self.features, 1, self.stride, padding=0, **self.q)(x, be)
            x = nn.BatchNorm(use_running_average=not train, momentum=0.9)(x)
        return nn.relu(y + x)


class ResNet18(nn.Module):
    """The reference's ResNet18 for 224x224x3 ImageNet: conv7x7/2(64), maxpool 3/2, four stages of two
    basic blocks (64, 128, 256, 512; stride 2 and a 1x1 downsampling conv from the second stage),
    global average pool, dense 512 -> 1000."""

    weight_bits: int = 8
    input_bits: int = 8
    error_bits: int = 8
    num_classes: int = 1000

    @nn.compact
    def __call__(self, x, train: bool = False, backend=None):
        be = backend or Plain()
        q = dict(weight_bits=self.weight_bits, input_bits=self.input_bits, error_bits=self.error_bits)
        x = QConv(64, 7, 2, padding=3, **q)(x, be)
        x = nn.relu(nn.BatchNorm(use_running_average=not train, momentum=0.9)(x))
        be.pool()
        x = nn.max_pool(x, (3, 3), (2, 2), padding=((1, 1), (1, 1)))
        for i, width in enumerate((64, 128, 256, 512)):
            x = _BasicBlock(width, 1 if i == 0 else 2, q)(x, train, be)
            x = _BasicBlock(width, 1, q)(x, train, be)
        be.pool()
        x = jnp.mean(x, axis=(1, 2))
        return QDense(self.num_classes, quantize_output=False, **q)(x, be)


#: name -> (class, input shape (H, W, C), default dataset)
NETWORKS = {
    "digits_cnn": (DigitsCNN, (8, 8, 1), "digits"),
    "vgg8": (VGG8, (32, 32, 3), "cifar10"),
    "densenet40": (DenseNet40, (32, 32, 3), "cifar10"),
    "resnet18": (ResNet18, (224, 224, 3), "imagenet"),
}


def build(name: str, weight_bits: int = 8, input_bits: int = 8, error_bits: int = 8, num_classes: int | None = None):
    """A network by name (``digits_cnn``, ``vgg8``, ``densenet40``, ``resnet18``)."""
    if name not in NETWORKS:
        raise ValueError(f"unknown network {name!r}; known: {', '.join(NETWORKS)}")
    cls = NETWORKS[name][0]
    kw = dict(weight_bits=weight_bits, input_bits=input_bits, error_bits=error_bits)
    if num_classes is not None:
        kw["num_classes"] = num_classes
    return cls(**kw)
