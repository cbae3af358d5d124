#!/usr/bin/python3
"""Writes tests/fixtures/score_reference.json: expected outlier-scoring values computed with
numpy alone, independently of the C++ code, for tests/score/. It covers the seven per-sample
scores and their per-feature forms on given data and reconstructions, calibration and
scoring through a tiny linear autoencoder with fixed weights, summary statistics and
quantiles (numpy's default 'linear' method), ROC-AUC by counting pairs, and average
precision by scikit-learn's definition (written out here; scikit-learn is not needed).
Run as  /usr/bin/python3 tests/gen/score_reference.py  from any folder. Inputs come from a
seeded numpy generator and are stored in the fixture, so the C++ side reads them back."""

import json
import os
import zlib

import numpy as np

BCE_CLIP = 1e-7
EPS_FACTOR = 1e-4       # zsse's floor factor
ZSAE_EPS_FACTOR = 1e-5  # zsae's


def f32(a):
    """float32 values as Python floats (exact), nested lists for arrays."""
    return np.asarray(a, dtype=np.float32).astype(np.float64).tolist()


def f32_short(a):
    """float32 values as their shortest decimals (which read back as the same float32)."""
    return [float(str(v)) for v in np.asarray(a, dtype=np.float32).ravel()]


def scores(kind, x, y, s2=None, eps=None, eps_abs=None):
    """Per-sample score and per-feature form of rows x against reconstructions y; eps is
    zsse's floor, eps_abs zsae's."""
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    r = x - y
    if kind == "zsae":
        pf = np.abs(r) / np.sqrt(s2.astype(np.float64) + eps_abs)
        return pf.sum(axis=1), pf
    if kind == "zsse":
        pf = r * r / (s2.astype(np.float64) + eps)
        return pf.sum(axis=1), pf
    if kind == "sse":
        return (r * r).sum(axis=1), r * r
    if kind == "mse":
        return (r * r).mean(axis=1), r * r
    if kind == "mae":
        return np.abs(r).mean(axis=1), np.abs(r)
    if kind == "max":
        return np.abs(r).max(axis=1), np.abs(r)
    if kind == "bce":
        p = np.clip(y, BCE_CLIP, 1 - BCE_CLIP)
        pf = -(x * np.log(p) + (1 - x) * np.log(1 - p))
        return pf.mean(axis=1), pf
    raise ValueError(kind)


KINDS = ["zsae", "zsse", "sse", "mse", "mae", "bce", "max"]
# The complexity-corrected kinds, checked through the model (section 2) only.
IC_KINDS = ["zsae_ic", "dual"]


def complexity_bits(row, lo, rng_):
    """Serra et al.'s complexity: 8 x the zlib (level 1) length of the row quantised to bytes."""
    v = row.astype(np.float64)
    q = np.floor(255.0 * (v - lo) / rng_ + 0.5) if rng_ > 0 else np.zeros_like(v)
    q = np.clip(np.nan_to_num(q), 0, 255).astype(np.uint8)
    return 8.0 * len(zlib.compress(q.tobytes(), 1))


def ic_scores(kind, x, y, s2, eps_abs, lo, rng_, train_zsae, train_ic):
    """zsae_ic and dual (median and upper spread q(0.98) - median of the training zsae and
    zsae_ic; the quantile as the model stores it, rounded to float32)."""
    zsae, pf = scores("zsae", x, y, s2, None, eps_abs)
    bits = np.array([complexity_bits(r, lo, rng_) for r in x])
    ic = zsae / bits
    if kind == "zsae_ic":
        return ic, pf / bits[:, None]

    def med_spread(v):
        v = np.asarray(v, np.float32).astype(np.float64)
        m = np.quantile(v, 0.5)
        d = float(np.float32(np.quantile(v, 0.98))) - m
        return m, (d if d > 0 else 1.0)
    m1, d1 = med_spread(train_zsae)
    m2, d2 = med_spread(train_ic)
    return np.maximum((zsae - m1) / d1, (ic - m2) / d2), pf


def quantile_grid():
    n = set(500 * i for i in range(201))
    n |= set(99000 + 10 * i for i in range(1, 100))
    n |= set(99900 + i for i in range(1, 100))
    return [v / 100000.0 for v in sorted(n)]


def stats(values):
    v = np.asarray(values, dtype=np.float32).astype(np.float64)
    median = np.quantile(v, 0.5)
    grid = quantile_grid()
    probes = [0.0, 0.25, 0.3333, 0.5, 0.9, 0.95, 0.9871, 0.99, 0.995, 0.99875, 0.999, 0.99937,
              0.99999, 1.0]
    expected_probe = []
    for p in probes:
        # Linear interpolation of the grid quantiles around p (exact at grid points).
        hi = int(np.searchsorted(grid, p, side="right"))
        if hi >= len(grid):
            expected_probe.append(float(np.quantile(v, 1.0)))
            continue
        lo = hi - 1
        t = (p - grid[lo]) / (grid[hi] - grid[lo])
        a, b = np.quantile(v, grid[lo]), np.quantile(v, grid[hi])
        expected_probe.append(float(a + t * (b - a)))
    return {
        "values": f32_short(v),
        "count": int(v.size),
        "mean": float(v.mean()),
        "std": float(v.std(ddof=0)),
        "min": float(v.min()),
        "max": float(v.max()),
        "median": float(median),
        "mad": float(np.median(np.abs(v - median))),
        "q1": float(np.percentile(v, 25)),
        "q3": float(np.percentile(v, 75)),
        "grid_size": len(grid),
        "grid": [float(np.quantile(v, p)) for p in grid],
        "probes": probes,
        "probe_values": expected_probe,
        "exact_at_probes": [float(np.quantile(v, p)) for p in probes],
    }


def roc_auc_pairs(s, t):
    """Share of (outlier, inlier) pairs ordered correctly, ties counting one half."""
    pos, neg = s[t == 1], s[t == 0]
    greater = (pos[:, None] > neg[None, :]).sum()
    equal = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * equal) / (pos.size * neg.size))


def average_precision(s, t):
    """scikit-learn's average_precision_score: distinct thresholds from high to low."""
    order = np.argsort(-s, kind="stable")
    s, t = s[order], t[order]
    last = np.r_[np.where(np.diff(s) != 0)[0], s.size - 1]
    tps = np.cumsum(t)[last]
    fps = (last + 1) - tps
    precision = tps / (tps + fps)
    recall = tps / t.sum()
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def precision_at_k(s, t, k):
    order = np.argsort(-s, kind="stable")
    return float(t[order[:k]].sum() / k)


def metric_case(name, s, t):
    s = np.asarray(s, dtype=np.float32).astype(np.float64)
    t = np.asarray(t, dtype=np.int64)
    k = int(t.sum())
    return {
        "name": name,
        "scores": s.tolist(),
        "truth": t.tolist(),
        "roc_auc": roc_auc_pairs(s, t),
        "average_precision": average_precision(s, t),
        "k": k,
        "precision_at_k": precision_at_k(s, t, k),
        "precision_at_3": precision_at_k(s, t, 3),
    }


def main():
    rng = np.random.default_rng(20240611)
    out = {}

    # 1. Scores on given data and reconstructions; D = 37 covers two 16-wide blocks and a tail.
    B, D = 5, 37
    x = rng.uniform(0, 1, (B, D)).astype(np.float32)
    x[0, :5] = [0, 1, 0, 1, 0.5]
    y = (x + rng.normal(0, 0.2, (B, D))).astype(np.float32)
    y[1, :4] = [0, 1, -0.5, 1.5]  # exercises the bce clip
    s2 = rng.uniform(0.001, 0.05, D).astype(np.float32)
    eps = EPS_FACTOR * 1.0
    eps_abs = ZSAE_EPS_FACTOR * 1.0
    # The kernels take the zsse weight 1 / (s^2 + eps) and the zsae weight
    # 1 / sqrt(s^2 + eps_abs), each rounded to float.
    w = (1.0 / (s2.astype(np.float64) + eps)).astype(np.float32)
    w_abs = (1.0 / np.sqrt(s2.astype(np.float64) + eps_abs)).astype(np.float32)
    kern = {"rows": B, "cols": D, "x": f32(x.ravel()), "y": f32(y.ravel()), "s2": f32(s2),
            "eps": eps, "eps_abs": eps_abs, "w": f32(w), "w_abs": f32(w_abs)}
    for kind in KINDS:
        sc, pf = scores(kind, x, y, s2, eps, eps_abs)
        kern[kind] = {"scores": sc.tolist(), "per_feature": pf.ravel().tolist()}
    out["kernels"] = kern

    # 2. A linear autoencoder 4 -> 3 -> 4 with fixed weights, calibrated on `train` and
    # scoring `test`. Weights are [out, in]; the reconstruction is computed in float64.
    w1 = np.array([[0.6, 0.2, -0.1, 0.3], [0.1, 0.5, 0.2, -0.2], [-0.3, 0.1, 0.7, 0.1]])
    b1 = np.array([0.05, -0.02, 0.01])
    w2 = np.array([[0.9, 0.1, -0.2], [0.2, 0.8, 0.1], [-0.1, 0.3, 0.9], [0.4, -0.2, 0.3]])
    b2 = np.array([0.1, 0.0, -0.05, 0.2])
    train = rng.uniform(0, 1, (12, 4)).astype(np.float32)
    test = np.vstack([rng.uniform(0, 1, (6, 4)), [[0, 1, 0, 1], [1, 1, 1, 1]]]).astype(np.float32)

    def reconstruct(v):
        v = v.astype(np.float64)
        return (v @ w1.T + b1) @ w2.T + b2

    r_train = train.astype(np.float64) - reconstruct(train)
    feature_mse = (r_train ** 2).mean(axis=0)
    data_range = float(train.max() - train.min())
    model_eps = EPS_FACTOR * data_range ** 2
    model_eps_abs = ZSAE_EPS_FACTOR * data_range ** 2
    model = {"w1": w1.tolist(), "b1": b1.tolist(), "w2": w2.tolist(), "b2": b2.tolist(),
             "train": f32(train.ravel()), "test": f32(test.ravel()),
             "feature_mse": feature_mse.tolist(), "data_range": data_range, "eps": model_eps, "eps_abs": model_eps_abs,
             "train_stats": {}, "test_scores": {}, "test_per_feature": {}}
    for kind in KINDS:
        tr, _ = scores(kind, train, reconstruct(train), feature_mse, model_eps, model_eps_abs)
        te, pf = scores(kind, test, reconstruct(test), feature_mse, model_eps, model_eps_abs)
        model["train_stats"][kind] = {"mean": float(tr.mean()), "std": float(tr.std()),
                                      "median": float(np.median(tr)), "max": float(tr.max())}
        model["test_scores"][kind] = te.tolist()
        model["test_per_feature"][kind] = pf.ravel().tolist()
    data_min = float(train.min())
    model["data_min"] = data_min
    tr_zsae, _ = scores("zsae", train, reconstruct(train), feature_mse, None, model_eps_abs)
    tr_ic, _ = ic_scores("zsae_ic", train, reconstruct(train), feature_mse, model_eps_abs, data_min, data_range,
                         None, None)
    for kind in IC_KINDS:
        tr, _ = ic_scores(kind, train, reconstruct(train), feature_mse, model_eps_abs, data_min, data_range,
                          tr_zsae, tr_ic)
        te, pf = ic_scores(kind, test, reconstruct(test), feature_mse, model_eps_abs, data_min, data_range,
                           tr_zsae, tr_ic)
        model["train_stats"][kind] = {"mean": float(tr.mean()), "std": float(tr.std()),
                                      "median": float(np.median(tr)), "max": float(tr.max())}
        model["test_scores"][kind] = te.tolist()
        model["test_per_feature"][kind] = pf.ravel().tolist()
    out["model"] = model

    # 3. Summary statistics: a small set with ties, and a larger one that fills the tail grid.
    small = np.round(rng.gamma(2.0, 1.5, 47), 1)
    small[:6] = [3.0, 3.0, 3.0, 0.0, 12.5, 3.0]
    large = np.round(rng.lognormal(0.0, 1.0, 2500), 3)
    out["stats"] = [stats(np.asarray(small, np.float32)), stats(np.asarray(large, np.float32))]

    # 4. Metrics.
    cases = [
        metric_case("perfect", [0.1, 0.2, 0.9, 0.8, 0.3], [0, 0, 1, 1, 0]),
        metric_case("reversed", [0.9, 0.8, 0.1, 0.2, 0.7], [0, 0, 1, 1, 0]),
        metric_case("all tied", [0.5] * 6, [1, 0, 0, 1, 0, 0]),
        metric_case("hand ties", [0.9, 0.5, 0.5, 0.1], [1, 0, 1, 0]),
        metric_case("mixed ties", [3, 1, 2, 2, 5, 1, 4, 2, 0, 5], [0, 1, 1, 0, 1, 0, 0, 1, 0, 0]),
    ]
    s = np.round(rng.normal(0, 1, 300), 1)
    t = (rng.uniform(0, 1, 300) < 0.1 + 0.2 * (s > 0.8)).astype(np.int64)
    cases.append(metric_case("random with ties", s, t))
    out["metrics"] = cases

    # 5. Input complexity of 100-wide rows from plain to noisy, on a range that clips some.
    crng = np.random.default_rng(7)
    rows = [np.zeros(100), np.full(100, 0.5), np.tile([0.0, 1.0], 50), crng.uniform(0, 1, 100),
            np.r_[np.zeros(70), crng.uniform(0, 1, 30)], crng.normal(0.5, 1.0, 100),
            np.round(crng.uniform(0, 1, 100) * 4) / 4]
    rows = [np.asarray(r, np.float32) for r in rows]
    cases = []
    for lo, rng_ in ((0.0, 1.0), (-0.25, 1.5), (0.0, 0.0)):
        for r in rows:
            cases.append({"row": f32(r), "lo": lo, "range": rng_, "bits": complexity_bits(r, lo, rng_)})
    out["complexity"] = cases

    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.normpath(os.path.join(here, "..", "fixtures", "score_reference.json"))
    text = json.dumps(out, separators=(",", ":"))
    with open(path, "w") as f:
        f.write(text + "\n")
    print(f"wrote {path} ({len(text) + 1} bytes)")


if __name__ == "__main__":
    main()
