#!/usr/bin/env python3
"""PyTorch reference for ae's demo recipe: 784-128-32-8-32-128-784 (relu, sigmoid
bottleneck and output), MSE, Adam (Keras epsilon 1e-7 by default), batch 256, MNIST train +
one Fashion-MNIST image, validation on MNIST test. Prints one line per epoch
(seconds, loss, val_loss) and, at the end, the scoring throughput and the injected image's
rank by SSE. --bf16 runs forward and loss under torch.autocast('cpu', torch.bfloat16), in
training and scoring. Run with Debian's python3-torch: /usr/bin/python3 bench/reference.py."""
import argparse, contextlib, gzip, time
import numpy as np
import torch
from torch import nn


def read_idx(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims[0], -1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", default="data")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--init", choices=["keras", "torch"], default="keras",
                   help="keras: glorot-uniform weights, zero biases; torch: nn.Linear's defaults")
    p.add_argument("--bf16", action="store_true", help="bf16 autocast (CPU) for forward and loss")
    a = p.parse_args()
    precision = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if a.bf16 else contextlib.nullcontext
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    torch.set_num_threads(a.threads)
    x_train = read_idx(f"{a.data_dir}/mnist/train-images-idx3-ubyte")
    x_test = read_idx(f"{a.data_dir}/mnist/t10k-images-idx3-ubyte")
    fashion = read_idx(f"{a.data_dir}/fashion-mnist/train-images-idx3-ubyte.gz")[:1]
    where = int(rng.integers(0, len(x_train) + 1))
    x_train = np.concatenate([x_train[:where], fashion, x_train[where:]])
    xt = torch.from_numpy(x_train.astype(np.float32) / 255)
    xv = torch.from_numpy(x_test.astype(np.float32) / 255)

    widths = [784, 128, 32, 8, 32, 128, 784]
    acts = [nn.ReLU, nn.ReLU, nn.Sigmoid, nn.ReLU, nn.ReLU, nn.Sigmoid]
    layers = []
    for i, act in enumerate(acts):
        lin = nn.Linear(widths[i], widths[i + 1])
        if a.init == "keras":
            nn.init.xavier_uniform_(lin.weight)
            nn.init.zeros_(lin.bias)
        layers += [lin, act()]
    model = nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.MSELoss()
    for epoch in range(1, a.epochs + 1):
        order = torch.randperm(len(xt))
        t0 = time.perf_counter()
        total = 0.0
        for b in range(0, len(xt), 256):
            batch = xt[order[b:b + 256]]
            opt.zero_grad(set_to_none=True)
            with precision():
                loss = loss_fn(model(batch), batch)
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
        seconds = time.perf_counter() - t0
        with torch.no_grad():
            val = loss_fn(model(xv), xv).item()
        print(f"epoch {epoch} seconds {seconds:.3f} loss {total / len(xt):.6f} val_loss {val:.6f}", flush=True)
    with torch.no_grad():
        both = torch.cat([xt, xv])
        t0 = time.perf_counter()
        with precision():
            rec = model(both)
        score_seconds = time.perf_counter() - t0
        sse = ((model(xt) - xt) ** 2).sum(1).numpy()
    rank = int((sse > sse[where]).sum()) + 1
    print(f"scoring {len(both)} rows {score_seconds:.3f} s ({len(both) / score_seconds:.0f} rows/s)")
    print(f"injected row {where} rank by SSE {rank} of {len(xt)}")


if __name__ == "__main__":
    main()
