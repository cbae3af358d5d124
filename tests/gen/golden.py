#!/usr/bin/python3
"""Writes tests/fixtures/golden.json: a tiny autoencoder with fixed weights evaluated by
PyTorch in float64 (outputs, sse/mse/bce losses, every parameter gradient) and five steps of
Keras's Adam rule on the mse loss. tests/core/golden_test.cpp compares the library with it.
Needs torch and numpy; run as  /usr/bin/python3 tests/gen/golden.py  from any folder.
It uses no random numbers: weights and inputs come from closed-form formulas."""

import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)

INPUT = 6
SPEC = "5:tanh,4:leaky_relu,2:sigmoid,4:elu,5:softplus,6:sigmoid"
BATCH = 4
LEAKY_SLOPE = 0.01
BCE_CLIP = 1e-7
ADAM = {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7, "steps": 5, "loss": "mse"}

ACTIVATIONS = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, LEAKY_SLOPE),
    "elu": lambda z: torch.nn.functional.elu(z, alpha=1.0),
    "softplus": torch.nn.functional.softplus,
    "relu": torch.relu,
    "linear": lambda z: z,
}


def parse(spec):
    layers = []
    for token in spec.split(","):
        width, act = token.split(":")
        layers.append((int(width), act))
    return layers


LAYERS = parse(SPEC)
assert LAYERS[-1][0] == INPUT, "the last width must equal the input width"


def initial_parameters():
    """Weight (out, in) and bias (out) per layer from sine formulas."""
    params = []
    fan_in = INPUT
    for l, (out, _) in enumerate(LAYERS):
        w = torch.tensor([[math.sin(1.7 * (o + 1) + 0.9 * (i + 1) + l)
                           for i in range(fan_in)] for o in range(out)])
        b = torch.tensor([0.1 * math.cos(1.3 * (o + 1) + 0.7 * l + 0.2) for o in range(out)])
        params += [w, b]
        fan_in = out
    return params


def input_rows():
    """BATCH rows of INPUT values strictly inside (0, 1)."""
    return torch.tensor([[0.5 + 0.45 * math.sin(0.7 * (r + 1) * (c + 1) + 0.3 * r)
                          for c in range(INPUT)] for r in range(BATCH)])


def forward(params, x, check_kinks=False):
    h = x
    for l, (_, act) in enumerate(LAYERS):
        z = h @ params[2 * l].T + params[2 * l + 1]
        if check_kinks and act in ("leaky_relu", "relu"):
            nearest = z.detach().abs().min().item()
            assert nearest > 1e-3, f"layer {l}: a pre-activation is {nearest:.2e} from the kink"
            assert (z < 0).any() and (z > 0).any(), f"layer {l}: only one side of the kink is used"
        h = ACTIVATIONS[act](z)
    return h


def loss_of(name, y, x):
    if name == "sse":
        return ((y - x) ** 2).sum(dim=1).mean()
    if name == "mse":
        return ((y - x) ** 2).mean()
    if name == "bce":
        p = y.clamp(BCE_CLIP, 1 - BCE_CLIP)
        return (-(x * torch.log(p) + (1 - x) * torch.log(1 - p))).mean()
    raise ValueError(name)


def tensor_names():
    names = []
    for l in range(len(LAYERS)):
        names += [f"layers.{l}.weight", f"layers.{l}.bias"]
    return names


def as_list(t):
    return t.detach().tolist()


def to_json(value, indent=0):
    """JSON with one line per matrix row. Floats use repr, the shortest text that reads back
    as the same float64."""
    pad = " " * indent
    if isinstance(value, dict):
        items = [f'{pad} {json.dumps(k)}: {to_json(v, indent + 1).lstrip()}' for k, v in value.items()]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value and isinstance(value[0], list):
        rows = [to_json(v, indent + 1) for v in value]
        return pad + "[\n" + ",\n".join(rows) + "\n" + pad + "]"
    return pad + json.dumps(value)


def main():
    x = input_rows()
    assert ((x > 0) & (x < 1)).all()
    start = initial_parameters()
    names = tensor_names()

    # Both signs of the leaky_relu input occur, and none is near the kink (checked again at
    # every Adam step below).
    with torch.no_grad():
        forward(start, x, check_kinks=True)

    losses = {}
    for name in ("sse", "mse", "bce"):
        params = [p.clone().requires_grad_(True) for p in start]
        y = forward(params, x)
        assert ((y > BCE_CLIP) & (y < 1 - BCE_CLIP)).all(), "bce clip would be active"
        value = loss_of(name, y, x)
        value.backward()
        losses[name] = {
            "value": value.item(),
            "y": as_list(y),
            "gradients": {n: as_list(p.grad) for n, p in zip(names, params)},
        }

    # Keras's Adam: the bias corrections fold into the step size, epsilon is added to sqrt(v)
    # without correction.
    params = [p.clone() for p in start]
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    before = []
    smallest_gradient = math.inf
    for t in range(1, ADAM["steps"] + 1):
        live = [p.clone().requires_grad_(True) for p in params]
        value = loss_of(ADAM["loss"], forward(live, x, check_kinks=True), x)
        value.backward()
        before.append(value.item())
        step = ADAM["lr"] * math.sqrt(1 - ADAM["beta2"] ** t) / (1 - ADAM["beta1"] ** t)
        with torch.no_grad():
            for k, p in enumerate(live):
                g = p.grad
                smallest_gradient = min(smallest_gradient, g.abs().min().item())
                m[k] = ADAM["beta1"] * m[k] + (1 - ADAM["beta1"]) * g
                v[k] = ADAM["beta2"] * v[k] + (1 - ADAM["beta2"]) * g * g
                params[k] = p.detach() - step * m[k] / (v[k].sqrt() + ADAM["epsilon"])
    with torch.no_grad():
        final = loss_of(ADAM["loss"], forward(params, x, check_kinks=True), x).item()
    # A float32 run follows the same trajectory only if no gradient is near float noise,
    # where Adam's normalisation would turn a rounding error into a full step of lr.
    assert smallest_gradient > 1e-6, f"a gradient is {smallest_gradient:.2e}, too close to zero"

    golden = {
        "about": "PyTorch float64 reference for tests/core/golden_test.cpp; "
                 "written by tests/gen/golden.py, do not edit",
        "torch_version": torch.__version__,
        "input": INPUT,
        "layers": SPEC,
        "leaky_slope": LEAKY_SLOPE,
        "loss_definitions": {
            "sse": "sum over features of (y - x)^2, mean over the batch",
            "mse": "mean over features and batch of (y - x)^2",
            "bce": "mean over features and batch of -(x log p + (1 - x) log(1 - p)), "
                   "p = clamp(y, 1e-7, 1 - 1e-7)",
        },
        "x": as_list(x),
        "parameters": {n: as_list(p) for n, p in zip(names, start)},
        "losses": losses,
        "adam": dict(ADAM,
                     rule="m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; "
                          "p -= lr sqrt(1-b2^t)/(1-b1^t) m / (sqrt(v) + eps)",
                     loss_before_step=before,
                     final_loss=final,
                     final_parameters={n: as_list(p) for n, p in zip(names, params)}),
    }

    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "fixtures", "golden.json")
    text = to_json(golden)
    assert json.loads(text) == golden
    with open(path, "w") as f:
        f.write(text + "\n")
    print(f"wrote {os.path.normpath(path)} ({len(text) + 1} bytes); "
          f"smallest Adam gradient {smallest_gradient:.3e}")


if __name__ == "__main__":
    main()
