#!/usr/bin/python3
"""ae export, checked from outside: every export kind of two small trained models (1,000
MNIST rows, bytes; a CSV table, floats) is accepted by onnx.checker (mode `checker`) or run
in ONNX Runtime and compared with what `ae reconstruct`, `ae encode`, `ae decode` and
`ae score` write for the same rows (mode `runtime`).

Usage: check_export.py checker|runtime AE_BINARY DATA_DIR WORK_DIR [RUNTIME_DIR]
Exits 0 when everything matches, 1 on a mismatch or failure, 77 (a skip for ctest) when
the mode's tool is not installed: Debian's python3-onnx, or node with onnxruntime-node in
RUNTIME_DIR (scripts/setup-onnxruntime).

Agreement: |onnx - ae| <= 1e-5 * (|ae| + max|ae|) element-wise, max|ae| over the whole
output: a relative difference of 1e-5 where values are of the output's size, and an
absolute 1e-5 * max|ae| near zero, where two correct float sums of cancelling terms (MLAS's
GEMM and ae's) differ by more than 1e-5 of a tiny result.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np

TOL = 1e-5
SCORES_BYTES = ["zsae", "zsse", "sse", "mse", "mae", "bce", "max"]
SCORES_FLOAT = ["zsae", "zsse", "sse", "mse", "mae", "max"]


def fail(message):
    print("check_export: " + message, file=sys.stderr)
    sys.exit(1)


def run(*args):
    result = subprocess.run([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        fail("%s exited %d: %s" % (" ".join(map(str, args)), result.returncode, result.stderr.strip()))
    return result


class Case:
    """A trained model, its rows and the exports to check."""

    def __init__(self, ae, work, name, rows_file, rows, spec, epochs, scores):
        self.ae, self.work, self.name = ae, work, name
        self.rows_file, self.rows, self.scores = rows_file, rows, scores
        self.model = self.path("model.safetensors")
        run(ae, "train", "--data", rows_file, "--layers", spec, "--epochs", epochs, "--seed", 1,
            "--threads", 1, "--quiet", "--out", self.model)
        self.exports = {}  # label -> (onnx file, input name, input rows, {output: ae's values})

    def path(self, name):
        return os.path.join(self.work, self.name + "." + name)

    def ae_npy(self, command, data, extra=()):
        out = self.path(command + "_" + "_".join(extra).replace("-", "") + ".npy")
        run(self.ae, command, self.model, "--data", data, *extra, "--out", out)
        return np.load(out)

    def export(self, label, flags, input_name, input_rows, expected):
        onnx_file = self.path(label + ".onnx")
        run(self.ae, "export", self.model, "--out", onnx_file, *flags)
        self.exports[label] = (onnx_file, input_name, input_rows, expected)

    def build(self, with_values):
        """The exports; ae's outputs for them only when with_values (the checker needs none)."""
        if with_values:
            recon = self.ae_npy("reconstruct", self.rows_file)
            embed = self.ae_npy("encode", self.rows_file)
            embed_file = self.path("embedding.npy")
            np.save(embed_file, embed)
            decoded = self.ae_npy("decode", embed_file)
            score = {k: self.ae_npy("score", self.rows_file, ("--score", k))[:, 1] for k in self.scores}
        else:
            recon = embed = decoded = None
            score = {k: None for k in self.scores}
        x = self.rows
        self.export("full", [], "input", x, {"reconstruction": recon, "embedding": embed, "score": score["zsae"]})
        self.export("opset13", ["--opset", "13"], "input", x,
                    {"reconstruction": recon, "embedding": embed, "score": score["zsae"]})
        self.export("encoder", ["--part", "encoder"], "input", x, {"embedding": embed})
        self.export("decoder", ["--part", "decoder"], "embedding", embed, {"reconstruction": decoded})
        self.export("embedding_only", ["--outputs", "embedding"], "input", x, {"embedding": embed})
        for k in self.scores:
            self.export("score_" + k, ["--outputs", "score", "--score", k], "input", x, {"score": score[k]})


def compare(label, name, got, want):
    if got.shape != want.shape:
        fail("%s %s: shape %s, ae wrote %s" % (label, name, got.shape, want.shape))
    want = want.astype(np.float64)
    err = np.abs(got.astype(np.float64) - want)
    size = np.max(np.abs(want))
    bound = TOL * (np.abs(want) + size)
    worst = int(np.argmax(err - bound))
    big = np.abs(want) >= 1e-3 * size
    rel = np.max(err[big] / np.abs(want[big])) if big.any() else 0.0
    line = "%-26s %-14s max |diff| %.3g (max|ae| %.3g), max relative diff %.3g where |ae| >= 1e-3 max" % (
        label, name, np.max(err), size, rel)
    print(line)
    if err.flat[worst] > bound.flat[worst]:
        fail("%s %s: element %d is %r in ONNX Runtime but %r in ae" % (label, name, worst, got.flat[worst], want.flat[worst]))


def check_runtime(cases, work, runtime):
    jobs = []
    for case in cases:
        for label, (onnx_file, input_name, rows, expected) in case.exports.items():
            in_file = onnx_file + ".in.f32"
            rows.astype("<f4").tofile(in_file)
            jobs.append({"model": onnx_file,
                         "inputs": {input_name: {"file": in_file, "dims": list(rows.shape)}},
                         "outputs": {name: onnx_file + "." + name + ".f32" for name in expected}})
    jobs_file = os.path.join(work, "jobs.json")
    with open(jobs_file, "w") as f:
        json.dump(jobs, f)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_onnx.js")
    result = subprocess.run(["node", script, runtime, jobs_file], stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        fail("ONNX Runtime: " + result.stderr.strip())
    for case in cases:
        for label, (onnx_file, _, _, expected) in case.exports.items():
            for name, want in expected.items():
                out = onnx_file + "." + name + ".f32"
                with open(out + ".dims") as f:
                    dims = json.load(f)
                compare(case.name + " " + label, name, np.fromfile(out, dtype="<f4").reshape(dims), want)


def check_checker(cases):
    import onnx
    for case in cases:
        for label, (onnx_file, input_name, _, expected) in case.exports.items():
            model = onnx.load(onnx_file)
            onnx.checker.check_model(model, full_check=True)
            inputs = [i.name for i in model.graph.input]
            outputs = [o.name for o in model.graph.output]
            if inputs != [input_name] or sorted(outputs) != sorted(expected):
                fail("%s %s: inputs %s, outputs %s" % (case.name, label, inputs, outputs))
            batch = model.graph.input[0].type.tensor_type.shape.dim[0]
            if batch.dim_param == "" or batch.dim_value != 0:
                fail("%s %s: the batch dimension is not symbolic" % (case.name, label))
            print("%-26s accepted by onnx.checker %s" % (case.name + " " + label, onnx.__version__))


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in ("checker", "runtime"):
        fail("usage: check_export.py checker|runtime AE_BINARY DATA_DIR WORK_DIR [RUNTIME_DIR]")
    mode, ae, data, work = sys.argv[1:5]
    runtime = sys.argv[5] if len(sys.argv) > 5 else ""
    if mode == "checker":
        try:
            import onnx  # noqa: F401
        except ImportError:
            print("check_export: Python's onnx is not installed (Debian python3-onnx); skipped", file=sys.stderr)
            sys.exit(77)
    else:
        if shutil.which("node") is None:
            print("check_export: node is not installed; skipped", file=sys.stderr)
            sys.exit(77)
        probe = subprocess.run(["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_onnx.js"), runtime],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if probe.returncode == 77:
            print(probe.stderr.strip() + "; skipped", file=sys.stderr)
            sys.exit(77)
        if probe.returncode != 0:
            fail("ONNX Runtime does not load: " + probe.stderr.strip())
        print(probe.stdout.strip())

    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    images = os.path.join(data, "mnist", "t10k-images-idx3-ubyte")
    if not os.path.exists(images):
        fail(images + " is missing; run scripts/fetch-data")
    with open(images, "rb") as f:
        pixels = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    mnist_file = os.path.join(work, "mnist.npy")
    np.save(mnist_file, pixels[:1000])

    # A float table whose columns have different ranges and signs (the identity normaliser).
    rng = np.random.default_rng(7)
    u = rng.uniform(-1, 1, size=(600, 2))
    table = np.column_stack([u[:, 0], 3 * u[:, 1] - 2, 10 * u[:, 0] * u[:, 1], np.sin(3 * u[:, 0]),
                             u[:, 0] + u[:, 1] + 0.1 * rng.standard_normal(600), 40 + 5 * u[:, 1],
                             np.abs(u[:, 0])])
    table_file = os.path.join(work, "table.csv")
    with open(table_file, "w") as f:
        f.write("a,b,c,d,e,f,g\n")
        for row in table:
            f.write(",".join("%.4f" % v for v in row) + "\n")
    table_rows = np.loadtxt(table_file, delimiter=",", skiprows=1).astype(np.float32)

    cases = [Case(ae, work, "mnist", mnist_file, pixels[:1000].astype(np.float32),
                  "64:relu,16:sigmoid,64:relu,784:sigmoid", 2, SCORES_BYTES),
             Case(ae, work, "table", table_file, table_rows,
                  "8:tanh,6:elu,3:leaky_relu,6:softplus,7:linear", 30, SCORES_FLOAT)]
    for case in cases:
        case.build(mode == "runtime")
    if mode == "checker":
        check_checker(cases)
    else:
        check_runtime(cases, work, runtime)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
