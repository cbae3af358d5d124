# Type stub of the package: what editors complete. Autoencoder's keywords are those of
# _settings.KEYWORDS, in its order and with its defaults (a test compares them).
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from ._ae import Model as Model

__version__: str
_Path = Union[str, os.PathLike]
_Layers = Union[str, Sequence[Tuple[int, str]], None]

class Autoencoder:
    model_: Model
    history_: Dict[str, List[float]]
    n_features_in_: int
    decision_scores_: npt.NDArray[np.float32]
    labels_: npt.NDArray[np.int64]
    layers: _Layers
    scale: str
    val_split: Optional[float]
    bottleneck: Optional[int]
    epochs: int | None
    batch_size: int
    loss: str
    optimizer: str
    learning_rate: Optional[float]
    momentum: float
    nesterov: bool
    weight_decay: float
    dropout: float
    noise: float
    noise_kind: str
    sparsity: float
    variational: bool
    beta: float
    init: str
    shuffle: bool
    seed: int
    threads: int
    precision: str
    early_stopping: Optional[int]
    restore_best: bool
    reduce_lr: Optional[int]
    reduce_lr_factor: float
    trim: float
    checkpoint: Optional[str]
    checkpoint_every: int
    score: str
    contamination: float
    threshold: Optional[str]
    verbose: int
    def __init__(
        self,
        *,
        layers: _Layers = None,
        scale: str = "auto",
        val_split: Optional[float] = None,
        bottleneck: Optional[int] = None,
        epochs: int | None = None,
        batch_size: int = 32,
        loss: str = "mse",
        optimizer: str = "adam",
        learning_rate: Optional[float] = None,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dropout: float = 0.0,
        noise: float = 0.0,
        noise_kind: str = "gaussian",
        sparsity: float = 0.0,
        variational: bool = False,
        beta: float = 1.0,
        init: str = "auto",
        shuffle: bool = True,
        seed: int = 0,
        threads: int = 0,
        precision: str = "fp32",
        early_stopping: Optional[int] = None,
        restore_best: bool = False,
        reduce_lr: Optional[int] = None,
        reduce_lr_factor: float = 0.1,
        trim: float = 0.1,
        checkpoint: Optional[str] = None,
        checkpoint_every: int = 1,
        score: str = "dual",
        contamination: float = 0.01,
        threshold: Optional[str] = None,
        verbose: int = 0,
    ) -> None: ...
    @property
    def threshold_(self) -> float: ...
    def get_params(self, deep: bool = True) -> Dict[str, Any]: ...
    def set_params(self, **params: Any) -> Autoencoder: ...
    def fit(self, X: Any, y: Any = None, validation_data: Any = None) -> Autoencoder: ...
    def transform(self, X: Any) -> npt.NDArray[np.float32]: ...
    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> npt.NDArray[np.float32]: ...
    def inverse_transform(self, Z: Any) -> npt.NDArray[np.float32]: ...
    def reconstruct(self, X: Any) -> npt.NDArray[np.float32]: ...
    def decision_function(self, X: Any) -> npt.NDArray[np.float32]: ...
    def predict(self, X: Any) -> npt.NDArray[np.int64]: ...
    def fit_predict(self, X: Any, y: Any = None) -> npt.NDArray[np.int64]: ...
    def predict_proba(self, X: Any, method: str = "linear") -> npt.NDArray[np.float64]: ...
    def save(self, path: _Path) -> None: ...

def load(path: _Path) -> Autoencoder: ...
def load_data(path: _Path) -> np.ndarray: ...
def load_labels(path: _Path) -> npt.NDArray[np.int64]: ...
