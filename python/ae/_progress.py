"""Keras-style training progress, written to a text stream (sys.stdout by default): with
verbose=1 a bar redrawn in place during each epoch, with verbose=2 one line per epoch."""
from __future__ import annotations

import math
import sys
from typing import Optional, TextIO


def _clock(seconds: float) -> str:
    s = int(round(max(0.0, seconds)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class Progress:
    """The callable that ae._ae.train calls with each training event."""

    def __init__(self, verbose: int, stream: Optional[TextIO] = None):
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stdout

    def __call__(self, event, epoch, epochs, batch, batches, loss, seconds, val_loss, lr):
        out = self.stream
        if event == "epoch_begin":
            if self.verbose == 1:
                out.write(f"Epoch {epoch}/{epochs}\n")
        elif event == "batch_end":
            if self.verbose == 1:
                width = 30
                done = width * batch // batches
                bar = ("=" * done + (">" if done < width else "")).ljust(width, ".")
                eta = seconds / batch * (batches - batch)
                out.write(f"\r{batch}/{batches} [{bar}] - ETA {_clock(eta)} - loss: {loss:.4f} ")
        else:
            val = "" if math.isnan(val_loss) else f" - val_loss: {val_loss:.4f}"
            if self.verbose == 1:
                out.write(f"\r{batches}/{batches} [{'=' * 30}] - {seconds:.2f}s - loss: {loss:.4f}{val}\n")
            else:
                out.write(f"Epoch {epoch}/{epochs} - {batches} steps - {seconds:.2f}s - loss: {loss:.4f}{val}\n")
        out.flush()
