"""Inference accuracy under compute-in-memory non-idealities (manual sections 8 and 9), with Flax.

* :mod:`.quant` WAGE quantizers; :mod:`.layers` QConv/QDense and layer backends;
  :mod:`.networks` VGG8, DenseNet40, ResNet18 and the digits CNN; :mod:`.netfile` network files
  derived from a model;
* :mod:`.cim` the CIM model of a layer at a design point (cell slices, bit-serial inputs, partial
  sums per ``parallel_read`` rows, ADC, on/off ratio with a dummy column, variation, retention), in
  two flavours (knob ``accuracy_model``): the NeuroSim V1.4 wrapper's arithmetic (:mod:`.neurosim`,
  default) and a physical chip's; :func:`cim_layer` runs one layer on its own;
* :mod:`.data` digits / CIFAR-10 / ImageNet folders; :mod:`.train` WAGE training and checkpoints;
  :mod:`.evaluate` accuracy of many design points, cached; :mod:`.traces_export` NeuroSim traces.

Typical use::

    from dse.accuracy import evaluate_accuracy
    acc = evaluate_accuracy("models/digits_cnn", [{"memcell": "rram", "adc_bits": 4, "sigma": 0.1}])
"""
from __future__ import annotations

__all__ = ["evaluate_accuracy", "evaluate_points", "Evaluator", "ACCURACY_KNOBS", "train", "load_checkpoint", "export_traces",
           "network_of", "cim_layer"]


def __getattr__(name):
    if name in ("evaluate_accuracy", "evaluate_points", "Evaluator", "ACCURACY_KNOBS"):
        from dse.accuracy import evaluate as _e
        return getattr(_e, name)
    if name in ("train", "load_checkpoint"):
        from dse.accuracy import train as _t
        return getattr(_t, name)
    if name == "export_traces":
        from dse.accuracy.traces_export import export_traces
        return export_traces
    if name == "cim_layer":
        from dse.accuracy.cim import cim_layer
        return cim_layer
    if name == "network_of":
        from dse.accuracy.netfile import network_of
        return network_of
    raise AttributeError(name)
