"""ae.Autoencoder: the library's trainer and scorer behind scikit-learn's estimator and
transformer conventions (get_params/set_params, fit/transform, clone, Pipeline) and PyOD's
detector conventions (decision_function, predict, predict_proba, decision_scores_,
threshold_, labels_). Keywords and their defaults come from _settings.KEYWORDS; the work is
done by the compiled module, without the GIL.

Input rows: 2-D array-likes. uint8 arrays are byte data, read as value / 255 as the CLI reads
IDX and u8 NPY files; float32 C-ordered arrays are used as they are; any other numeric dtype
(float64, integers, bool) or layout (Fortran order, strided views) is converted to C-ordered
float32 once. The compiled module copies the rows once into the library's data set; results
come back as arrays that own the library's buffers (no copy).
"""
from __future__ import annotations

import inspect
import json
import math
import os
import tempfile
from typing import Any, Dict, Optional

import numpy as np

from . import _ae, _settings
from ._progress import Progress


def _rows(x, name: str = "X") -> np.ndarray:
    """x as a C-ordered uint8 or float32 array (see the module comment)."""
    a = np.asarray(x)
    if a.dtype == np.uint8 or a.dtype == np.float32:
        return np.ascontiguousarray(a)
    if a.dtype.kind in "fiub":
        return np.ascontiguousarray(a, dtype=np.float32)
    raise ValueError(f"{name}: expected numbers, got an array of dtype {a.dtype}")


def _model_bytes(model: "_ae.Model") -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.safetensors")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()


def _model_from_bytes(raw: bytes) -> "_ae.Model":
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.safetensors")
        with open(path, "wb") as f:
            f.write(raw)
        return _ae.Model.load(path)


class _NotFittedError(ValueError, AttributeError):
    """Raised by a method that needs fit() first (scikit-learn's NotFittedError when installed)."""


def _not_fitted(estimator) -> Exception:
    message = (f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
               "appropriate arguments before using this estimator.")
    try:
        from sklearn.exceptions import NotFittedError
    except ImportError:
        NotFittedError = _NotFittedError
    return NotFittedError(message)


class Autoencoder:
    """A dense autoencoder trained and run by the ae library.

    Keywords mirror `ae train` and `ae score` (see the table in the class's __init__
    documentation). After fit: model_ (the trained ae._ae.Model), history_ (a dict of lists:
    epoch, loss, val_loss, seconds, lr), n_features_in_, decision_scores_ (training rows'
    outlier scores), labels_ (1 = outlier) and threshold_.
    """

    def __init__(self, **params):
        unknown = set(params) - set(_settings.BY_NAME)
        if unknown:
            raise TypeError(f"Autoencoder() got unexpected keyword(s): {', '.join(sorted(unknown))}")
        for k in _settings.KEYWORDS:
            setattr(self, k.name, params.get(k.name, k.default))

    # --- scikit-learn's estimator protocol
    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        """The constructor keywords and their current values."""
        return {k.name: getattr(self, k.name) for k in _settings.KEYWORDS}

    def set_params(self, **params) -> "Autoencoder":
        """Sets constructor keywords; unknown names raise ValueError."""
        for name, value in params.items():
            if name not in _settings.BY_NAME:
                raise ValueError(f"Invalid parameter {name!r} for estimator {self!r}. Valid parameters "
                                 f"are: {sorted(_settings.BY_NAME)!r}.")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        changed = [f"{k.name}={getattr(self, k.name)!r}" for k in _settings.KEYWORDS
                   if not _same(getattr(self, k.name), k.default)]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    def _more_tags(self):
        return {"requires_y": False, "X_types": ["2darray"], "allow_nan": False}

    def _model(self) -> "_ae.Model":
        model = self.__dict__.get("model_")
        if model is None:
            raise _not_fitted(self)
        return model

    def _threshold_rule(self) -> str:
        if self.threshold is not None:
            return _ae.threshold_rule(str(self.threshold))
        if isinstance(self.contamination, bool) or not isinstance(self.contamination, (int, float)):
            raise ValueError(f"contamination must be a number in (0, 0.5], got {self.contamination!r}")
        return _ae.threshold_rule(f"contamination={float(self.contamination)!r}")

    # --- training
    def fit(self, X, y=None, validation_data=None) -> "Autoencoder":
        """Trains on the rows of X (y is ignored). validation_data: rows of the same width,
        evaluated after every epoch (val_loss). Returns self.

        Ctrl-C stops training after the current batch and raises KeyboardInterrupt (with a
        checkpoint written when `checkpoint` is set); the estimator is then left as it was.
        """
        rows = _rows(X)
        val = None if validation_data is None else _rows(validation_data, "validation_data")
        settings = _settings.train_settings(self.get_params())
        if self.score not in _ae.score_names().split(", "):
            raise ValueError(f"unknown score {self.score!r} (known: {_ae.score_names()})")
        rule = self._threshold_rule()
        progress = Progress(self.verbose) if self.verbose else None
        try:
            model, history = _ae.train(rows, val, settings, progress)
        except ValueError as e:
            raise _settings.with_keyword(e) from None
        scores = model.scores(rows, self.score, self.threads)
        threshold = model.threshold(self.score, rule)
        self.model_ = model
        self.history_ = {name: [row[i] for row in history]
                         for i, name in enumerate(("epoch", "loss", "val_loss", "seconds", "lr"))}
        self.n_features_in_ = rows.shape[1]
        self.decision_scores_ = scores
        self.labels_ = (scores > threshold).astype(np.int64)
        return self

    # --- the two halves
    def transform(self, X) -> np.ndarray:
        """The embedding of each row (float32, rows x embedding width)."""
        return self._model().encode(_rows(X), self.threads)

    def fit_transform(self, X, y=None, **fit_params) -> np.ndarray:
        return self.fit(X, y, **fit_params).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        """Rows decoded from embeddings Z (float32, rows x features)."""
        model = self._model()
        return model.decode(np.ascontiguousarray(np.asarray(Z), dtype=np.float32))

    def reconstruct(self, X) -> np.ndarray:
        """Each row through the encoder and decoder (float32, in the input's units: the model's
        scaling is inverted; uint8 rows come back as value / 255)."""
        return self._model().reconstruct(_rows(X), self.threads)

    # --- outliers (PyOD's conventions)
    def decision_function(self, X) -> np.ndarray:
        """Outlier score of each row, higher = more abnormal: the numbers `ae score` gives for
        the saved model and the same rows (score chosen by `score`)."""
        return self._model().scores(_rows(X), self.score, self.threads)

    @property
    def threshold_(self) -> float:
        """The score above which a row is an outlier: the threshold rule (threshold, else
        contamination) applied to the training scores' statistics saved in the model. Follows
        score, contamination and threshold when they change, without retraining (decision_scores_
        and labels_ are those of fit)."""
        return self._model().threshold(self.score, self._threshold_rule())

    def predict(self, X) -> np.ndarray:
        """1 for rows scoring above threshold_ (outliers), else 0."""
        return (self.decision_function(X) > self.threshold_).astype(np.int64)

    def fit_predict(self, X, y=None) -> np.ndarray:
        """fit(X), then labels_."""
        return self.fit(X).labels_

    def predict_proba(self, X, method: str = "linear") -> np.ndarray:
        """Probability of (inlier, outlier) per row, as PyOD computes it from the training
        scores: 'linear' min-max scales the score by the training scores' range, 'unify'
        applies the Gaussian CDF of the score standardised by their mean and std. Uses the
        statistics saved in the model, so it works after ae.load too."""
        scores = self.decision_function(X).astype(np.float64)
        stats = json.loads(self._model().score_statistics)["train_stats"][self.score]
        if method == "linear":
            span = stats["max"] - stats["min"]
            p = (scores - stats["min"]) / (span if span > 0 else 1.0)
        elif method == "unify":
            std = stats["std"] if stats["std"] > 0 else 1.0
            p = np.array([math.erf(v) for v in (scores - stats["mean"]) / (std * math.sqrt(2.0))])
        else:
            raise ValueError(f"method must be 'linear' or 'unify', got {method!r}")
        p = np.clip(p, 0.0, 1.0)
        return np.column_stack([1.0 - p, p])

    # --- files
    def save(self, path) -> None:
        """Writes the model file (safetensors) that `ae` reads, atomically."""
        self._model().save(os.fspath(path))

    def __getstate__(self):
        state = self.__dict__.copy()
        if "model_" in state:
            state["model_"] = _model_bytes(state["model_"])
        return state

    def __setstate__(self, state):
        state = dict(state)
        if "model_" in state:
            state["model_"] = _model_from_bytes(state["model_"])
        self.__dict__.update(state)


def _same(a, b) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return False


def _signature() -> inspect.Signature:
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params += [inspect.Parameter(k.name, inspect.Parameter.KEYWORD_ONLY, default=k.default)
               for k in _settings.KEYWORDS]
    return inspect.Signature(params)


def _keyword_docs() -> str:
    lines = ["Keywords (the CLI flag each mirrors in brackets):", ""]
    for k in _settings.KEYWORDS:
        lines.append(f"{k.name} = {k.default!r}  [{k.flag}]")
        lines.append(f"    {k.doc}")
    return "\n".join(lines)


# scikit-learn reads the keywords from __init__'s signature.
Autoencoder.__init__.__signature__ = _signature()
Autoencoder.__init__.__doc__ = _keyword_docs()
Autoencoder.__doc__ += "\n" + _keyword_docs()


def load(path) -> Autoencoder:
    """An Autoencoder fitted from a model file written by `ae train` or Autoencoder.save: its
    keywords from the file's training record, model_, n_features_in_ and threshold_;
    history_, decision_scores_ and labels_ are not in the file."""
    model = _ae.Model.load(os.fspath(path))
    record = json.loads(model.training)
    params = {"layers": model.layers, "bottleneck": model.bottleneck + 1}
    for keyword, field in (("epochs", "epochs"), ("batch_size", "batch"), ("loss", "loss"),
                           ("optimizer", "optimizer"), ("learning_rate", "lr"), ("seed", "seed"),
                           ("threads", "threads"), ("init", "init")):
        if field in record:
            params[keyword] = record[field]
    params["scale"] = {"identity": "none", "bytes_255": "auto"}.get(model.normalizer, model.normalizer)
    estimator = Autoencoder(**params)
    estimator.model_ = model
    estimator.n_features_in_ = model.input_width
    return estimator
