"""The GIL is released while the library works, and Ctrl-C stops a fit cleanly."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import ae
from conftest import structured_rows

LONG_SPEC = "64:relu,8:sigmoid,64:relu,32:sigmoid"


def test_another_python_thread_runs_during_fit():
    x = structured_rows(20000, seed=3, d=32)
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(time.perf_counter())
            sum(range(200))  # pure Python: needs the GIL

    counter = threading.Thread(target=count)
    counter.start()
    try:
        start = time.perf_counter()
        ae.Autoencoder(layers=LONG_SPEC, epochs=10, threads=1).fit(x)
        end = time.perf_counter()
    finally:
        done.set()
        counter.join()
    during = np.array([t for t in ticks if start <= t <= end])
    assert end - start > 0.2, "fit too short to tell"
    # Held GIL: the counter would stop for the whole fit (or between 100 ms polls).
    gaps = np.diff(np.concatenate([[start], during, [end]]))
    assert len(during) > 1000 and gaps.max() < (end - start) / 2, (len(during), gaps.max(), end - start)


def test_ctrl_c_stops_fit_with_keyboard_interrupt(tmp_path):
    x = structured_rows(2000, seed=4, d=32)
    est = ae.Autoencoder(layers=LONG_SPEC, epochs=100000, threads=1, checkpoint=str(tmp_path / "run.ckpt"),
                         checkpoint_every=100000)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    start = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        est.fit(x)
    elapsed = time.perf_counter() - start
    timer.join()
    assert elapsed < 10
    assert not hasattr(est, "model_")  # left as it was
    assert (tmp_path / "run.ckpt").stat().st_size > 0  # the trainer's checkpoint on stop
    # The library is free again.
    est.set_params(epochs=1, checkpoint=None)
    assert est.fit(x[:200]).transform(x[:5]).shape == (5, 8)


def test_an_exception_from_progress_output_stops_fit():
    class Broken:
        def write(self, text):
            raise OSError("stream closed")

        def flush(self):
            pass

    import sys
    saved = sys.stdout
    sys.stdout = Broken()
    try:
        with pytest.raises(OSError, match="stream closed"):
            ae.Autoencoder(layers="8:relu,16:sigmoid", epochs=5, verbose=2).fit(structured_rows(100))
    finally:
        sys.stdout = saved
