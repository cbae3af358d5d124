"""The estimator's keywords in one table: each keyword, the library setting it maps to (a
field of ae::TrainConfig or an argument of training, read by python/src/train.cpp), its
default, the CLI flag it mirrors and its documentation. Adding a setting is one row here (plus
its reader in train.cpp and its line in the type stub, which a test compares with this table).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional


@dataclass(frozen=True)
class Keyword:
    name: str                 # the estimator's keyword
    setting: Optional[str]    # the library's setting name; None: used by the Python layer only
    default: Any
    flag: str                 # the `ae train` / `ae score` flag it mirrors
    doc: str
    # Keyword value -> setting value (None: passed as is).
    convert: Optional[Callable[[Any], Any]] = None


def _layers(value):
    # A spec string as the CLI takes it, or [(width, activation), ...].
    if value is None or isinstance(value, str):
        return value
    try:
        return ",".join(f"{int(width)}:{activation}" for width, activation in value)
    except (TypeError, ValueError):
        raise ValueError("layers must be a spec such as '64:relu,8:linear,64:relu,30:linear' "
                         f"or a list of (width, activation) pairs, got {value!r}") from None


def _bottleneck(value):
    # The CLI counts layers from 1; the library from 0.
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"bottleneck must be a layer number of 1 or more, got {value!r}")
    return value - 1


KEYWORDS = (
    Keyword("layers", "layers", None, "--layers",
            "Layer spec 'WIDTH:ACTIVATION,...' (e.g. '128:relu,8:sigmoid,128:relu,784:sigmoid'); "
            "the last width must equal the number of features. Activations: linear, relu, "
            "leaky_relu, elu, tanh, sigmoid, softplus. A list of (width, activation) pairs works too. "
            "None: chosen from the number of features D (K = D/4 up to 32: 2K:relu,K:linear,2K:relu,D "
            "with a sigmoid output for data scaled into [0, 1], else linear).",
            _layers),
    Keyword("scale", "scaling", "auto", "--scale",
            "Input scaling fitted on the training rows and stored in the model: 'auto' (bytes / 255 for "
            "uint8 input, else 'robust'), 'none', 'standard' (z-score), 'minmax' or 'robust' (median and "
            "interdecile range). Every method "
            "applies it to new rows and inverts it for reconstructions."),
    Keyword("val_split", "val_split", None, "--val-split",
            "Hold out this fraction of the rows (seeded) as validation data; None: none."),
    Keyword("bottleneck", "bottleneck", None, "--bottleneck",
            "Number of the embedding layer, counting from 1 (default: the narrowest, the first on ties).",
            _bottleneck),
    Keyword("epochs", "epochs", None, "--epochs",
            "Training epochs. None: at least 10, and enough for 250 optimiser steps over the "
            "training rows (a small table trains for more epochs)."),
    Keyword("batch_size", "batch", 32, "--batch", "Mini-batch size (the last partial batch is kept)."),
    Keyword("loss", "loss", "mse", "--loss", "Loss: 'mse', 'sse' or 'bce'."),
    Keyword("optimizer", "optimizer", "adam", "--optimizer", "Optimiser: 'adam', 'sgd' or 'rmsprop'."),
    Keyword("learning_rate", "lr", None, "--lr",
            "Learning rate (None: Keras's default for the optimiser, 1e-3 for adam and rmsprop, 1e-2 for sgd)."),
    Keyword("momentum", "momentum", 0.0, "--momentum", "SGD momentum, in [0, 1)."),
    Keyword("nesterov", "nesterov", False, "--nesterov", "SGD with Nesterov momentum."),
    Keyword("weight_decay", "weight_decay", 0.0, "--weight-decay",
            "Weight decay on the weights, not the biases: decoupled (AdamW) for 'adam' and 'rmsprop', "
            "an L2 term for 'sgd'; 0: off."),
    Keyword("dropout", "dropout", 0.0, "--dropout",
            "Dropout rate in [0, 1) after each hidden layer but the embedding, in training only; 0: off."),
    Keyword("noise", "noise", 0.0, "--noise",
            "Noise on each training input, the target the clean row (denoising): the standard deviation "
            "(gaussian, in scaled units) or the fraction of inputs set to 0 (mask); 0: off."),
    Keyword("noise_kind", "noise_kind", "gaussian", "--noise-kind", "Input noise: 'gaussian' or 'mask'."),
    Keyword("sparsity", "sparsity", 0.0, "--sparsity",
            "L1 penalty on the embedding activations (sparse autoencoder), in the loss; 0: off."),
    Keyword("variational", "kind", False, "--variational",
            "A variational autoencoder: the embedding layer gives a mean and a log-variance; "
            "loss = reconstruction + beta x KL; transform() returns the mean."),
    Keyword("beta", "beta", 1.0, "--beta", "With variational: the weight of the KL term."),
    Keyword("init", "init", "auto", "--init",
            "Weight initialiser: 'auto' (He for layers that read or give relu values, else Glorot), "
            "'glorot_uniform', 'he_uniform' or 'lecun_uniform' (biases start at zero)."),
    Keyword("shuffle", "shuffle", True, "--no-shuffle", "Shuffle the rows every epoch (seeded)."),
    Keyword("seed", "seed", 0, "--seed", "Seed of the weights and the shuffles."),
    Keyword("threads", "threads", 0, "--threads",
            "Threads (0: every core the process may use). The same seed, data and thread count give bit-identical weights."),
    Keyword("precision", "precision", "fp32", "--precision",
            "GEMM arithmetic: 'fp32', or 'bf16' (bf16 weights and activations, fp32 sums and master weights; "
            "needs a CPU with AVX-512 BF16 or AMX). The fitted model computes in it too; the file stays fp32."),
    Keyword("early_stopping", "early_stopping.patience", None, "--early-stop",
            "Stop after this many epochs without val_loss improving (loss without validation data); None: off."),
    Keyword("restore_best", "early_stopping.restore_best", False, "--restore-best",
            "With early_stopping: end with the best epoch's weights."),
    Keyword("reduce_lr", "reduce_lr.patience", None, "--reduce-lr",
            "Multiply the learning rate by reduce_lr_factor after this many epochs without val_loss "
            "improving by 1e-4; None: off."),
    Keyword("reduce_lr_factor", "reduce_lr.factor", 0.1, "--reduce-lr-factor", "Factor for reduce_lr, in (0, 1)."),
    Keyword("trim", "trim", 0.1, "--trim",
            "Robust training: the share of each batch's rows with the largest loss given zero weight, "
            "in [0, 0.5]; 0: off. The default 0.1 keeps a few outliers in the data from being learnt."),
    Keyword("checkpoint", "checkpoint.path", None, "--checkpoint",
            "Write a checkpoint file every checkpoint_every epochs, after the last, and when interrupted."),
    Keyword("checkpoint_every", "checkpoint.every", 1, "--checkpoint-every",
            "Epochs between checkpoints (with checkpoint)."),
    Keyword("score", None, "dual", "ae score --score",
            "Outlier score of decision_function: 'dual' (the larger of zsae and zsae_ic, standardised), "
            "'zsae' (standardised absolute error), 'zsae_ic' (zsae per bit of input complexity), 'zsse', "
            "'sse', 'mse', 'mae', 'bce' or 'max'; of a variational model also 'elbo' (the negative ELBO) or "
            "'recprob' (the mean error over 10 draws from each row's posterior, seed 0)."),
    Keyword("contamination", None, 0.01, "ae score --threshold contamination=F",
            "Expected share of outliers in the training data, in (0, 0.5]: threshold_ is the training "
            "scores' (1 - contamination) quantile."),
    Keyword("threshold", None, None, "ae score --threshold",
            "A threshold rule instead of contamination: 'quantile=Q', 'sigma=K', 'mad=K', 'iqr=K', "
            "'max-train', 'value=X' or 'fpr=Q'."),
    Keyword("verbose", None, 0, "--quiet",
            "0: silent; 1: a Keras-style progress bar per epoch; 2: one line per epoch."),
)

BY_NAME: Dict[str, Keyword] = {k.name: k for k in KEYWORDS}
# Library setting name -> keyword, to name keywords in the library's messages.
BY_SETTING: Dict[str, str] = {k.setting: k.name for k in KEYWORDS if k.setting}


def train_settings(params: Dict[str, Any]) -> Dict[str, Any]:
    """The library's training settings for the estimator's parameters."""
    settings = {}
    for k in KEYWORDS:
        if k.setting is None:
            continue
        value = params[k.name]
        settings[k.setting] = k.convert(value) if k.convert else value
    if settings["checkpoint.path"] is None:
        settings["checkpoint.every"] = 0  # the trainer writes no checkpoint without a path
    return settings


def with_keyword(error: ValueError) -> ValueError:
    """The library's error about a setting, with the setting written as its keyword."""
    setting = getattr(error, "setting", None)
    keyword = BY_SETTING.get(setting)
    if keyword is None or keyword == setting:
        return error
    import re
    text = re.sub(r"(?<![\w.])" + re.escape(setting) + r"(?![\w.])", keyword, str(error))
    return ValueError(text)
