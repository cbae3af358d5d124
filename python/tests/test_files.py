"""save / ae.load / pickle round trips through the model file format, and file errors."""
import json
import os
import pickle
import struct

import numpy as np
import pytest

import ae
from conftest import SPEC


def read_header(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n])


def test_save_writes_an_ae_model_file(fitted, tmp_path):
    path = tmp_path / "m.safetensors"
    fitted.save(path)
    header = read_header(path)
    meta = header.pop("__metadata__")
    normalizer = json.loads(meta["normalizer"])
    assert meta["format"] == "ae" and normalizer["kind"] == "minmax"
    assert len(normalizer["center"]) == 16 and len(normalizer["scale"]) == 16
    record = json.loads(meta["training"])
    assert record["spec"] == SPEC and record["epochs"] == 20 and record["threads"] == 2 and record["rows"] == 400
    assert sorted(header) == sorted(f"layers.{i}.{p}" for i in range(4) for p in ("weight", "bias"))
    assert header["layers.0.weight"]["shape"] == [12, 16]


def test_load_gives_a_fitted_estimator_with_the_same_numbers(fitted, rows, tmp_path):
    path = tmp_path / "m.safetensors"
    fitted.save(str(path))
    loaded = ae.load(path)
    assert loaded.get_params() == {**fitted.get_params(), "bottleneck": 2, "learning_rate": 0.001}
    assert loaded.n_features_in_ == 16 and loaded.threshold_ == fitted.threshold_
    assert np.array_equal(loaded.decision_function(rows), fitted.decision_function(rows))
    assert np.array_equal(loaded.predict(rows), fitted.predict(rows))
    assert np.array_equal(loaded.predict_proba(rows), fitted.predict_proba(rows))
    for (w1, b1), (w2, b2) in zip(loaded.model_.weights(), fitted.model_.weights()):
        assert np.array_equal(w1, w2) and np.array_equal(b1, b2)


def test_byte_data_is_recorded_as_such(byte_rows, tmp_path):
    est = ae.Autoencoder(layers=SPEC, epochs=1, threads=1).fit(byte_rows)
    assert est.model_.normalizer == "bytes_255"
    est.save(tmp_path / "m.safetensors")
    assert json.loads(read_header(tmp_path / "m.safetensors")["__metadata__"]["normalizer"]) == {"kind": "bytes_255"}


def test_pickle_round_trip(fitted, rows):
    copy = pickle.loads(pickle.dumps(fitted))
    assert copy.get_params() == fitted.get_params()
    assert np.array_equal(copy.decision_function(rows), fitted.decision_function(rows))
    assert np.array_equal(copy.transform(rows), fitted.transform(rows))
    assert copy.history_ == fitted.history_ or str(copy.history_) == str(fitted.history_)  # NaN val_loss
    assert np.array_equal(copy.labels_, fitted.labels_)
    unfitted = pickle.loads(pickle.dumps(ae.Autoencoder(layers=SPEC)))
    assert not hasattr(unfitted, "model_") and unfitted.layers == SPEC


def test_file_errors(fitted, tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        ae.load(tmp_path / "missing.safetensors")
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ")
    with pytest.raises(ValueError, match="broken.safetensors"):
        ae.load(broken)
    with pytest.raises(OSError, match="no-such-folder"):
        fitted.save(tmp_path / "no-such-folder" / "m.safetensors")
    with pytest.raises(FileNotFoundError):
        ae.load_data(tmp_path / "none.npy")


def test_load_data_reads_the_cli_formats(rows, byte_rows, tmp_path):
    np.save(tmp_path / "f.npy", rows)
    np.save(tmp_path / "b.npy", byte_rows)
    assert np.array_equal(ae.load_data(str(tmp_path / "f.npy")), rows)
    loaded = ae.load_data(str(tmp_path / "b.npy"))
    assert loaded.dtype == np.uint8 and np.array_equal(loaded, byte_rows)
    np.save(tmp_path / "labels.npy", np.arange(5))
    assert np.array_equal(ae.load_labels(str(tmp_path / "labels.npy")), np.arange(5))
