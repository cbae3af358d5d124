#!/usr/bin/python3
"""Writes tests/fixtures/variational_score_reference.json: the elbo and recprob scores of a
tiny variational autoencoder with fixed weights, computed with numpy alone for
tests/score/variational_score_test.cpp. The model is 4 -> 3:tanh -> 2:linear (a mean and a
log-variance of 2 units each) -> 4:linear; weights are stored (out, in) row-major.
elbo = the loss's per-sample error of the mean path + beta x KL / divisor (1 for sse, D for
mse). With a linear decoder recprob's expectation has a closed form:
E ||x - W z - b||^2 = ||x - W mean - b||^2 + sum_k exp(log_var_k) ||W[:, k]||^2; the fixture
stores it with a tolerance of 6 standard errors of a mean over `draws` draws.
Run as  /usr/bin/python3 tests/gen/variational_score_reference.py  from any folder."""

import json
import os

import numpy as np

DRAWS = 4000


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64).tolist()


def main():
    rng = np.random.default_rng(20)
    D, H, K, N = 4, 3, 2, 6
    w0 = rng.normal(0, 0.6, (H, D)).astype(np.float32)
    b0 = rng.normal(0, 0.1, H).astype(np.float32)
    w1 = rng.normal(0, 0.6, (2 * K, H)).astype(np.float32)
    b1 = np.concatenate([rng.normal(0, 0.1, K), rng.normal(-1.0, 0.2, K)]).astype(np.float32)
    w2 = rng.normal(0, 0.6, (D, K)).astype(np.float32)
    b2 = rng.normal(0, 0.1, D).astype(np.float32)
    x = rng.random((N, D)).astype(np.float32)

    d = lambda a: a.astype(np.float64)
    h1 = np.tanh(d(x) @ d(w0).T + d(b0))
    h = h1 @ d(w1).T + d(b1)
    mean, log_var = h[:, :K], h[:, K:]
    kl = 0.5 * (mean ** 2 + np.exp(log_var) - 1 - log_var).sum(axis=1)
    y = mean @ d(w2).T + d(b2)
    sse = ((d(x) - y) ** 2).sum(axis=1)
    spread = (np.exp(log_var) * (d(w2) ** 2).sum(axis=0)).sum(axis=1)
    recprob_sse = sse + spread

    # The spread of one draw's sse, from many draws, for the tolerance.
    eps = rng.standard_normal((20000, N, K))
    z = mean + np.exp(log_var / 2) * eps
    draws_sse = ((d(x) - (z @ d(w2).T + d(b2))) ** 2).sum(axis=2)
    assert np.allclose(draws_sse.mean(axis=0), recprob_sse, rtol=0.05)
    tolerance_sse = 6 * draws_sse.std(axis=0) / np.sqrt(DRAWS)

    cases = []
    for loss, beta in (("sse", 0.5), ("mse", 2.0)):
        div = 1.0 if loss == "sse" else float(D)
        cases.append({
            "loss": loss, "beta": beta,
            "elbo": (sse / div + beta * kl / div).tolist(),
            "recprob": (recprob_sse / div).tolist(),
            "recprob_tolerance": (tolerance_sse / div + 1e-5).tolist(),
        })
    out = {
        "input": D, "layers": "3:tanh,2:linear,4:linear", "bottleneck": 1, "draws": DRAWS,
        "weights": [f32(w0), f32(w1), f32(w2)], "biases": [f32(b0), f32(b1), f32(b2)],
        "x": f32(x), "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures",
                        "variational_score_reference.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
