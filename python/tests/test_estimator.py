"""scikit-learn's estimator and transformer conventions and PyOD's detector conventions."""
import ast
import json
import os
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils import estimator_checks

import ae
from ae import _settings
from conftest import ROOT, SPEC, structured_rows


def test_params_round_trip_and_clone(fitted):
    params = fitted.get_params()
    assert params["layers"] == SPEC and params["epochs"] == 20 and params["batch_size"] == 32
    assert set(params) == {k.name for k in _settings.KEYWORDS}
    copy = clone(fitted)
    assert copy.get_params() == params and not hasattr(copy, "model_")
    copy.set_params(epochs=2, learning_rate=0.01)
    assert copy.epochs == 2 and copy.learning_rate == 0.01 and fitted.epochs == 20
    with pytest.raises(ValueError, match="Invalid parameter 'epoch'"):
        copy.set_params(epoch=3)
    with pytest.raises(TypeError, match="unexpected keyword"):
        ae.Autoencoder(batch=3)
    assert repr(copy) == f"Autoencoder(layers='{SPEC}', scale='minmax', epochs=2, learning_rate=0.01, seed=1, threads=2)"


@pytest.mark.parametrize("check", [
    estimator_checks.check_no_attributes_set_in_init,
    estimator_checks.check_get_params_invariance,
    estimator_checks.check_set_params,
    estimator_checks.check_parameters_default_constructible,
])
def test_sklearn_checks_that_need_no_data_width(check):
    check("Autoencoder", ae.Autoencoder(layers=SPEC))


def test_fit_returns_self_and_is_idempotent(rows):
    est = ae.Autoencoder(layers=SPEC, epochs=2, seed=3, threads=1)
    assert est.fit(rows) is est
    first = est.transform(rows)
    assert np.array_equal(est.fit(rows).transform(rows), first)
    assert est.get_params()["epochs"] == 2  # fit leaves the keywords alone
    assert est.n_features_in_ == 16


def test_fitted_attributes(fitted, rows):
    h = fitted.history_
    assert h["epoch"] == list(range(1, 21)) and len(h["loss"]) == 20 and all(np.isnan(h["val_loss"]))
    assert h["loss"][-1] < h["loss"][0] / 2 and h["lr"] == [0.001] * 20
    assert all(s >= 0 for s in h["seconds"])
    assert fitted.decision_scores_.shape == (400,)
    assert np.array_equal(fitted.decision_scores_, fitted.decision_function(rows))
    # contamination=0.01: about 1% of the training rows lie above the threshold.
    assert 1 <= fitted.labels_.sum() <= 8
    assert np.array_equal(fitted.labels_, (fitted.decision_scores_ > fitted.threshold_).astype(int))
    assert np.array_equal(fitted.predict(rows), fitted.labels_)


def test_default_epochs_give_a_small_table_250_steps_and_trim_is_on(rows):
    # 400 rows at batch 32: 13 batches an epoch, so ceil(250 / 13) = 20 epochs; 160 rows: 5
    # batches, 50 epochs. An explicit count wins.
    assert ae.Autoencoder().get_params()["epochs"] is None and ae.Autoencoder().get_params()["trim"] == 0.1
    est = ae.Autoencoder(layers=SPEC, threads=1).fit(rows)
    assert len(est.history_["epoch"]) == 20
    assert len(ae.Autoencoder(layers=SPEC, threads=1).fit(rows[:160]).history_["epoch"]) == 50
    assert len(ae.Autoencoder(layers=SPEC, threads=1, epochs=3).fit(rows[:160]).history_["epoch"]) == 3
    assert json.loads(est.model_.training)["trim"] == 0.1


def test_validation_data_gives_val_loss(rows):
    est = ae.Autoencoder(layers=SPEC, epochs=2, threads=1).fit(rows[:300], validation_data=rows[300:])
    assert all(np.isfinite(est.history_["val_loss"]))


def test_outliers_score_higher_and_are_flagged(fitted, rows):
    odd = np.vstack([np.tile(np.float32([0, 1]), 8), np.zeros(16, np.float32), 1 - rows[0]])
    scores = fitted.decision_function(np.vstack([rows, odd]))
    assert scores[400:].min() > scores[:400].max()
    assert fitted.predict(odd).tolist() == [1, 1, 1]
    proba = fitted.predict_proba(odd)
    assert proba.shape == (3, 2) and np.allclose(proba.sum(axis=1), 1) and (proba[:, 1] == 1).all()
    assert (proba[:, 1] >= 0).all() and (proba[:, 1] <= 1).all()
    linear = fitted.predict_proba(rows)[:, 1]
    s = fitted.decision_scores_.astype(np.float64)
    assert np.allclose(linear, (s - s.min()) / (s.max() - s.min()), atol=1e-6)
    unify = fitted.predict_proba(rows, method="unify")[:, 1]
    from math import erf, sqrt
    expected = np.clip([erf(v) for v in (s - s.mean()) / (s.std() * sqrt(2))], 0, 1)
    assert np.allclose(unify, expected, atol=1e-5)


def test_threshold_rules(rows):
    est = ae.Autoencoder(layers=SPEC, epochs=2, threads=1, threshold="max-train").fit(rows)
    assert est.labels_.sum() == 0 and est.threshold_ == pytest.approx(est.decision_scores_.max())
    # threshold_ follows the keywords without retraining, as `ae score --threshold` does.
    est.set_params(threshold="value=1e9")
    assert est.threshold_ == 1e9 and est.predict(rows).sum() == 0
    est.set_params(threshold=None, contamination=0.5)
    assert est.predict(rows).sum() == 200
    with pytest.raises(ValueError, match="contamination"):
        ae.Autoencoder(layers=SPEC, epochs=1, contamination=0.9).fit(rows)
    with pytest.raises(ValueError, match="unknown score 'l2'"):
        ae.Autoencoder(layers=SPEC, epochs=1, score="l2").fit(rows)


def test_other_scores(rows):
    for score in ("zsse", "sse", "mse", "mae", "bce", "max"):
        est = ae.Autoencoder(layers=SPEC, scale="minmax", epochs=1, threads=1, score=score).fit(rows)
        assert np.isfinite(est.decision_scores_).all() and np.isfinite(est.threshold_)


def test_pipeline_and_fit_transform(rows):
    pipe = Pipeline([("scale", MinMaxScaler()), ("ae", ae.Autoencoder(layers=SPEC, epochs=2, threads=1))])
    z = pipe.fit_transform(rows)
    assert z.shape == (400, 4)
    assert np.array_equal(pipe.transform(rows), z)
    assert pipe.named_steps["ae"].decision_function(pipe.named_steps["scale"].transform(rows)).shape == (400,)
    assert np.array_equal(ae.Autoencoder(layers=SPEC, epochs=2, threads=1).fit_transform(
        MinMaxScaler().fit_transform(rows)), z)


def test_unfitted_estimator_raises_not_fitted(rows):
    est = ae.Autoencoder(layers=SPEC)
    for method in (est.transform, est.decision_function, est.predict, est.reconstruct, est.inverse_transform):
        with pytest.raises(NotFittedError):
            method(rows)


def test_bad_settings_name_the_keyword(rows):
    cases = [(dict(learning_rate=-1.0), "learning_rate must be a positive number"),
             (dict(batch_size=0), "batch_size must be at least 1"),
             (dict(epochs=2.5), "epochs must be a whole number"),
             (dict(reduce_lr=2, reduce_lr_factor=1.5), "reduce_lr_factor must be between 0 and 1"),
             (dict(restore_best=True), "restore_best needs early stopping"),
             (dict(loss="l1"), "unknown loss 'l1'"),
             (dict(optimizer="adamw"), "unknown optimizer 'adamw'"),
             (dict(init="zeros"), "unknown initialiser 'zeros'"),
             (dict(layers="12:relu,4:swish,16:linear"), "swish"),
             (dict(scale="quantile"), "unknown scaling 'quantile'"),
             (dict(val_split=1.0), "val_split must be between 0 and 1"),
             (dict(bottleneck=0), "bottleneck must be a layer number of 1 or more"),
             (dict(momentum=1.0, optimizer="sgd"), "momentum must be in"),
             (dict(weight_decay=-0.1), "weight_decay must be 0 or a positive number"),
             (dict(dropout=1.0), "dropout must be in"),
             (dict(noise=-1.0), "noise must be 0 or a positive number"),
             (dict(noise=0.1, noise_kind="salt"), "unknown noise kind 'salt'"),
             (dict(precision="fp16"), "unknown precision 'fp16'")]
    for params, message in cases:
        with pytest.raises(ValueError, match=message):
            ae.Autoencoder(**{"layers": SPEC, "epochs": 1, **params}).fit(rows)


def test_weight_decay_and_dropout_reach_the_trainer_and_the_record(rows):
    est = ae.Autoencoder(layers=SPEC, epochs=1, threads=1, weight_decay=0.25, dropout=0.2,
                         noise=0.3, noise_kind="mask").fit(rows)
    record = json.loads(est.model_.training)
    assert record["weight_decay"] == 0.25 and record["dropout"] == 0.2
    assert record["noise"] == 0.3 and record["noise_kind"] == "mask"
    plain = ae.Autoencoder(layers=SPEC, epochs=1, threads=1).fit(rows)
    assert "weight_decay" not in json.loads(plain.model_.training)
    assert "dropout" not in json.loads(plain.model_.training)


def test_layers_as_pairs_and_bottleneck(rows):
    est = ae.Autoencoder(layers=[(12, "relu"), (4, "sigmoid"), (12, "relu"), (16, "sigmoid")],
                         bottleneck=3, epochs=1, threads=1).fit(rows)
    assert est.model_.layers == SPEC and est.transform(rows).shape == (400, 12)


def test_divergence_is_a_floating_point_error(rows):
    with pytest.raises(FloatingPointError, match="diverged"):
        ae.Autoencoder(layers="64:linear,16:linear", optimizer="sgd", learning_rate=1e6, loss="sse",
                       epochs=3, threads=1).fit(rows * 100)


def test_warnings_from_the_data_checks(rows):
    with pytest.warns(UserWarning, match="constant"):
        flat = rows.copy()
        flat[:, 2] = 0.5
        ae.Autoencoder(layers=SPEC, epochs=1, threads=1).fit(flat)


def test_verbose_prints_keras_style_progress(rows, capsys):
    ae.Autoencoder(layers=SPEC, epochs=2, threads=1, verbose=2).fit(rows, validation_data=rows[:50])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Epoch 1/2 - 13 steps") and "val_loss" in lines[0]
    ae.Autoencoder(layers=SPEC, epochs=1, threads=1, verbose=1).fit(rows)
    out = capsys.readouterr().out
    assert out.startswith("Epoch 1/1\n") and "13/13 [==============================]" in out


def test_the_type_stub_lists_every_keyword_with_its_default():
    stub = ast.parse(open(os.path.join(ROOT, "python", "ae", "__init__.pyi")).read())
    cls = next(n for n in stub.body if isinstance(n, ast.ClassDef) and n.name == "Autoencoder")
    init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    names = [a.arg for a in init.args.kwonlyargs]
    defaults = [ast.literal_eval(d) for d in init.args.kw_defaults]
    assert names == [k.name for k in _settings.KEYWORDS]
    assert defaults == [k.default for k in _settings.KEYWORDS]


def test_default_layers_and_scaling_follow_the_data(rows):
    # No layers: the rule of the data width (D = 16: K = 4, H = 8); float rows are robust-scaled
    # (median, interdecile range), so the output is linear. Columns on very different scales train as well as the rows alone.
    est = ae.Autoencoder(epochs=30, threads=1).fit(rows)
    assert est.model_.layers == "8:relu,4:linear,8:relu,16:linear" and est.model_.normalizer == "robust"
    wide = rows * np.logspace(-3, 4, 16, dtype=np.float32)
    scaled = ae.Autoencoder(epochs=30, threads=1).fit(wide)
    # The scaling is stored and applied to new rows: the same scores up to float rounding.
    assert np.allclose(scaled.decision_function(wide), est.decision_function(rows), rtol=1e-3, atol=1e-3)
    # Reconstructions come back in the input's units.
    back = scaled.reconstruct(wide)
    assert np.allclose(back / np.logspace(-3, 4, 16), est.reconstruct(rows), rtol=1e-3, atol=1e-3)
    assert np.allclose(scaled.inverse_transform(scaled.transform(wide)), back, rtol=1e-5, atol=1e-6)


def test_val_split_is_seeded(rows):
    a = ae.Autoencoder(layers=SPEC, val_split=0.25, epochs=2, seed=5, threads=1).fit(rows)
    b = ae.Autoencoder(layers=SPEC, val_split=0.25, epochs=2, seed=5, threads=1).fit(rows)
    assert all(np.isfinite(a.history_["val_loss"])) and a.history_["val_loss"] == b.history_["val_loss"]
    c = ae.Autoencoder(layers=SPEC, val_split=0.25, epochs=2, seed=6, threads=1).fit(rows)
    assert c.history_["val_loss"] != a.history_["val_loss"]
    assert json.loads(a.model_.training)["rows"] == 300


def test_sparsity_and_the_variational_kind_reach_the_trainer_and_the_record(rows):
    sparse = ae.Autoencoder(layers=SPEC, epochs=1, threads=1, sparsity=0.01).fit(rows)
    assert json.loads(sparse.model_.training)["sparsity"] == 0.01
    assert sparse.model_.kind == "plain"
    vae = ae.Autoencoder(epochs=1, threads=1, variational=True, beta=0.5).fit(rows)
    record = json.loads(vae.model_.training)
    assert record["kind"] == "variational" and record["beta"] == 0.5
    assert vae.model_.kind == "variational"
    # transform gives the mean: the same embedding on every call.
    assert np.array_equal(vae.transform(rows), vae.transform(rows))
    with pytest.raises(ValueError, match="sparsity is for plain models"):
        ae.Autoencoder(epochs=1, variational=True, sparsity=0.1).fit(rows)


def test_the_variational_scores(rows):
    vae = ae.Autoencoder(epochs=1, threads=1, variational=True, beta=0.5, score="elbo").fit(rows)
    elbo = vae.decision_function(rows)
    assert elbo.shape == (len(rows),) and np.all(elbo > 0)
    # The mean path's error plus the KL term: above the plain mse of the same reconstruction.
    mse = vae.model_.scores(rows, "mse")
    assert np.all(elbo > mse)
    recprob = vae.model_.scores(rows, "recprob")
    assert np.array_equal(recprob, vae.model_.scores(rows, "recprob", threads=2))
    assert np.isfinite(vae.threshold_)
    plain = ae.Autoencoder(layers=SPEC, epochs=1, threads=1).fit(rows)
    with pytest.raises(ValueError, match="needs a variational model"):
        plain.model_.scores(rows, "elbo")
