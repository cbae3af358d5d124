"""Shared fixtures: small data sets, a trained model, and the CLI binary (build/ae, or
$AE_BINARY as CTest sets it)."""
import os
import subprocess

import numpy as np
import pytest

import ae

ROOT = os.environ.get("AE_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = "12:relu,4:sigmoid,12:relu,16:sigmoid"


def structured_rows(n, seed=0, d=16):
    """Rows in [0, 1] on a 3-D curve-ish manifold plus noise (float32, n x d)."""
    rng = np.random.default_rng(seed)
    t = rng.random((n, 3))
    basis = rng.random((3, d))
    x = 0.5 + 0.4 * np.sin(t @ basis * 3.0) + 0.02 * rng.standard_normal((n, d))
    return np.clip(x, 0, 1).astype(np.float32)


@pytest.fixture(scope="session")
def rows():
    return structured_rows(400)


@pytest.fixture(scope="session")
def byte_rows(rows):
    return np.round(rows * 255).astype(np.uint8)


@pytest.fixture(scope="session")
def fitted(rows):
    # minmax keeps the rows in [0, 1] for the sigmoid output (and the bce score).
    return ae.Autoencoder(layers=SPEC, scale="minmax", epochs=20, batch_size=32, seed=1, threads=2).fit(rows)


@pytest.fixture(scope="session")
def binary():
    path = os.environ.get("AE_BINARY") or os.path.join(ROOT, "build", "ae")
    assert os.access(path, os.X_OK), f"{path}: the ae binary is needed (build it first)"
    return path


def run_cli(binary, *args):
    done = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done
