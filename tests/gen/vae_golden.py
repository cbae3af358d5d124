#!/usr/bin/python3
"""Writes tests/fixtures/vae_golden.json: one step of a tiny variational autoencoder with fixed
weights and fixed reparameterisation noise, evaluated by PyTorch in float64: the mean, the
log-variance, z, the reconstruction, the reconstruction loss, the KL term, the total loss,
every parameter gradient, and the parameters after one Keras-style Adam step.
tests/core/vae_golden_test.cpp compares the library with it.
The model: the embedding layer of width K has 2K outputs per row, the mean (K) then the
log-variance (K); z = mean + exp(log_var / 2) * noise; the loss is the mse (mean over
features and rows) plus beta * KL / D, the KL (summed over the K units, averaged over the rows)
put on the per-feature scale of the mse.
Needs torch; run as  /usr/bin/python3 tests/gen/vae_golden.py  from any folder. It uses no
random numbers: weights, inputs and noise come from closed-form formulas."""

import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)

INPUT = 5
SPEC = "4:tanh,2:linear,4:tanh,5:sigmoid"
BOTTLENECK = 1
BATCH = 3
BETA = 0.5
ADAM = {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7}

ACTIVATIONS = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda z: z}


def parse(spec):
    return [(int(w), a) for w, a in (t.split(":") for t in spec.split(","))]


LAYERS = parse(SPEC)
K = LAYERS[BOTTLENECK][0]


def out_width(l):
    return 2 * LAYERS[l][0] if l == BOTTLENECK else LAYERS[l][0]


def initial_parameters():
    """Weight (out, in) and bias (out) per layer from sine formulas; the bottleneck has 2K rows."""
    params = []
    fan_in = INPUT
    for l in range(len(LAYERS)):
        out = out_width(l)
        w = torch.tensor([[0.8 * math.sin(1.7 * (o + 1) + 0.9 * (i + 1) + l)
                           for i in range(fan_in)] for o in range(out)])
        b = torch.tensor([0.1 * math.cos(1.3 * (o + 1) + 0.7 * l + 0.2) for o in range(out)])
        params += [w, b]
        fan_in = LAYERS[l][0]
    return params


def input_rows():
    return torch.tensor([[0.5 + 0.45 * math.sin(0.7 * (r + 1) * (c + 1) + 0.3 * r)
                          for c in range(INPUT)] for r in range(BATCH)])


def noise_rows():
    return torch.tensor([[1.2 * math.sin(2.3 * (r + 1) + 1.1 * (k + 1)) for k in range(K)] for r in range(BATCH)])


def forward(params, x, noise):
    h = x
    parts = {}
    for l, (_, act) in enumerate(LAYERS):
        h = ACTIVATIONS[act](h @ params[2 * l].T + params[2 * l + 1])
        if l == BOTTLENECK:
            mean, log_var = h[:, :K], h[:, K:]
            h = mean + torch.exp(0.5 * log_var) * noise
            parts.update(mean=mean, log_var=log_var, z=h)
    parts["y"] = h
    return parts


def losses(parts, x):
    reconstruction = ((parts["y"] - x) ** 2).mean()
    kl = (0.5 * (parts["mean"] ** 2 + parts["log_var"].exp() - 1 - parts["log_var"])).sum(dim=1).mean()
    return reconstruction, kl, reconstruction + BETA * kl / INPUT


def as_list(t):
    return t.detach().tolist()


def main():
    x, noise = input_rows(), noise_rows()
    start = initial_parameters()
    names = []
    for l in range(len(LAYERS)):
        names += [f"layers.{l}.weight", f"layers.{l}.bias"]
    params = [p.clone().requires_grad_(True) for p in start]
    parts = forward(params, x, noise)
    reconstruction, kl, total = losses(parts, x)
    total.backward()
    smallest = min(p.grad.abs().min().item() for p in params)
    assert smallest > 1e-6, f"a gradient is {smallest:.2e}, too close to zero for a float Adam step"
    # One Adam step (t = 1): m = (1-b1) g, v = (1-b2) g^2, p -= lr sqrt(1-b2)/(1-b1) m / (sqrt(v) + eps).
    step = ADAM["lr"] * math.sqrt(1 - ADAM["beta2"]) / (1 - ADAM["beta1"])
    after = []
    with torch.no_grad():
        for p in params:
            m = (1 - ADAM["beta1"]) * p.grad
            v = (1 - ADAM["beta2"]) * p.grad * p.grad
            after.append(p - step * m / (v.sqrt() + ADAM["epsilon"]))
        next_total = losses(forward(after, x, noise), x)[2].item()
    golden = {
        "about": "PyTorch float64 reference for tests/core/vae_golden_test.cpp; "
                 "written by tests/gen/vae_golden.py, do not edit",
        "torch_version": torch.__version__,
        "input": INPUT,
        "layers": SPEC,
        "bottleneck": BOTTLENECK,
        "beta": BETA,
        "loss": "mse + beta * KL / input, KL summed over units and averaged over rows",
        "x": as_list(x),
        "noise": as_list(noise),
        "parameters": {n: as_list(p) for n, p in zip(names, start)},
        "mean": as_list(parts["mean"]),
        "log_var": as_list(parts["log_var"]),
        "z": as_list(parts["z"]),
        "y": as_list(parts["y"]),
        "reconstruction_loss": reconstruction.item(),
        "kl": kl.item(),
        "total_loss": total.item(),
        "gradients": {n: as_list(p.grad) for n, p in zip(names, params)},
        "adam": dict(ADAM, parameters_after_one_step={n: as_list(p) for n, p in zip(names, after)},
                     total_loss_after=next_total),
    }
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "fixtures", "vae_golden.json")
    with open(path, "w") as f:
        f.write(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {os.path.normpath(path)}; smallest gradient {smallest:.3e}")


if __name__ == "__main__":
    main()
