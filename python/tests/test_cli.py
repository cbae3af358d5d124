"""The package and the CLI on the same core: the same scores from `ae score`, the same
weights from `ae train` with the same settings, model files read both ways."""
import numpy as np
import pytest

import ae
from conftest import SPEC, run_cli


def cli_scores(binary, model, data, tmp_path, *flags):
    out = tmp_path / "scores.npy"
    run_cli(binary, "score", model, "--data", data, "--out", out, *flags)
    table = np.load(out)  # index, score, rank, percentile, flag
    return table[:, 1], table[:, 4].astype(int)


@pytest.mark.parametrize("dtype", ["float32", "uint8"])
def test_decision_function_equals_ae_score(binary, rows, byte_rows, tmp_path, dtype):
    x = rows if dtype == "float32" else byte_rows
    est = ae.Autoencoder(layers=SPEC, epochs=3, seed=2).fit(x)
    est.save(tmp_path / "m.safetensors")
    new = np.vstack([x[:100], (np.random.default_rng(5).random((20, 16)) * (255 if dtype == "uint8" else 1)).astype(x.dtype)])
    np.save(tmp_path / "new.npy", new)
    scores, flags = cli_scores(binary, tmp_path / "m.safetensors", tmp_path / "new.npy", tmp_path)
    assert np.array_equal(est.decision_function(new), scores.astype(np.float32))
    assert np.array_equal(est.predict(new), flags)
    est.set_params(score="zsse", threshold="mad=5")
    scores, flags = cli_scores(binary, tmp_path / "m.safetensors", tmp_path / "new.npy", tmp_path,
                               "--score", "zsse", "--threshold", "mad=5")
    assert np.array_equal(est.decision_function(new), scores.astype(np.float32))
    assert np.array_equal(est.predict(new), flags)


def test_fit_gives_the_weights_of_ae_train(binary, byte_rows, tmp_path):
    np.save(tmp_path / "x.npy", byte_rows)
    run_cli(binary, "train", "--data", tmp_path / "x.npy", "--layers", SPEC, "--epochs", 3, "--batch", 16,
            "--seed", 4, "--threads", 2, "--lr", 0.003, "--init", "he_uniform", "--quiet",
            "--out", tmp_path / "cli.safetensors")
    est = ae.Autoencoder(layers=SPEC, epochs=3, batch_size=16, seed=4, threads=2, learning_rate=0.003,
                         init="he_uniform").fit(byte_rows)
    cli = ae.load(tmp_path / "cli.safetensors")
    for (w1, b1), (w2, b2) in zip(cli.model_.weights(), est.model_.weights()):
        assert np.array_equal(w1, w2) and np.array_equal(b1, b2)
    assert cli.get_params() == {**est.get_params(), "bottleneck": 2}  # learning_rate given to both
    assert np.array_equal(cli.decision_function(byte_rows), est.decision_scores_)
    assert cli.threshold_ == est.threshold_


def test_the_cli_reads_a_model_saved_from_python(binary, fitted, rows, tmp_path):
    fitted.save(tmp_path / "m.safetensors")
    np.save(tmp_path / "x.npy", rows[:10])
    run_cli(binary, "encode", tmp_path / "m.safetensors", "--data", tmp_path / "x.npy", "--out", tmp_path / "z.npy")
    assert np.array_equal(np.load(tmp_path / "z.npy"), fitted.transform(rows[:10]))
