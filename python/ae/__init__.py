"""ae: dense autoencoders for representation learning and outlier detection, on the C++
library that the `ae` command-line tool runs.

    import ae
    model = ae.Autoencoder(layers="128:relu,32:relu,8:sigmoid,32:relu,128:relu,784:sigmoid",
                           epochs=50, batch_size=256).fit(x_train, validation_data=x_test)
    codes = model.transform(x_test)          # embeddings
    scores = model.decision_function(x_new)  # outlier scores, as `ae score` computes them
    model.save("model.safetensors")          # the file the CLI reads
"""
import os as _os

import numpy as _np

from . import _ae
from ._ae import Model
from ._estimator import Autoencoder, load


def load_data(path) -> _np.ndarray:
    """Rows of an IDX[.gz], NPY or CSV file, read as `ae` reads them (format by content):
    uint8 for byte data (IDX images, u8 NPY), float32 otherwise; rows x features."""
    return _ae.load_data(_os.fspath(path))


def load_labels(path) -> _np.ndarray:
    """Integer labels (int64) of an IDX label file, a 1-D NPY or a one-column CSV."""
    return _ae.load_labels(_os.fspath(path))


__all__ = ["Autoencoder", "Model", "load", "load_data", "load_labels"]
__version__ = "0.1.0"
