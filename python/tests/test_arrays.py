"""numpy in and out: dtypes, layouts, shapes, and the errors for bad rows."""
import numpy as np
import pytest

import ae
from conftest import SPEC


def test_float64_and_fortran_order_are_converted_once_to_the_same_rows(fitted, rows):
    expected = fitted.transform(rows)
    assert expected.dtype == np.float32 and expected.shape == (len(rows), 4)
    assert np.array_equal(fitted.transform(rows.astype(np.float64)), expected)
    assert np.array_equal(fitted.transform(np.asfortranarray(rows)), expected)
    assert np.array_equal(fitted.decision_function(rows.tolist()), fitted.decision_function(rows))


def test_strided_views_give_the_rows_they_show(fitted, rows):
    doubled = np.repeat(rows, 2, axis=1)[:, ::2]
    assert not doubled.flags.c_contiguous
    assert np.array_equal(fitted.reconstruct(doubled), fitted.reconstruct(rows))
    # Another set of rows in a chunk: equal up to float rounding (GEMM blocking differs).
    assert np.allclose(fitted.transform(rows[::3]), fitted.transform(rows)[::3], rtol=1e-5, atol=1e-6)


def test_uint8_rows_are_bytes_read_as_value_over_255(fitted, byte_rows):
    as_float = byte_rows.astype(np.float32) * np.float32(1.0 / 255.0)
    assert np.array_equal(fitted.transform(byte_rows), fitted.transform(as_float))
    assert np.array_equal(fitted.decision_function(byte_rows), fitted.decision_function(as_float))


def test_integer_and_bool_rows_are_values(fitted, rows):
    ints = (rows > 0.5).astype(np.int64)
    assert np.array_equal(fitted.transform(ints), fitted.transform(ints.astype(np.float32)))
    assert np.array_equal(fitted.transform(ints.astype(bool)), fitted.transform(ints.astype(np.float32)))


def test_results_own_their_buffers_and_are_writable(fitted, rows):
    for out in (fitted.transform(rows), fitted.reconstruct(rows), fitted.decision_function(rows)):
        assert out.dtype == np.float32 and out.flags.c_contiguous and out.flags.writeable
        assert out.base is not None  # the library's buffer, handed over without a copy
        out[...] = 0  # writing to it touches nothing else
    assert fitted.transform(rows).any()


def test_read_only_input_is_accepted(fitted, rows):
    frozen = rows.copy()
    frozen.flags.writeable = False
    assert np.array_equal(fitted.transform(frozen), fitted.transform(rows))


def test_inverse_transform_decodes_embeddings(fitted, rows):
    z = fitted.transform(rows)
    decoded = fitted.inverse_transform(z)
    assert decoded.shape == rows.shape
    assert np.allclose(decoded, fitted.reconstruct(rows), atol=1e-6)
    assert np.array_equal(fitted.inverse_transform(z.astype(np.float64)), decoded)


@pytest.mark.parametrize("bad, message", [
    (np.float32("nan"), "row 5, column 3 is NaN"),
    (np.float32("inf"), "row 5, column 3 is infinite"),
])
def test_nan_and_inf_are_value_errors_naming_the_position(fitted, rows, bad, message):
    broken = rows.copy()
    broken[5, 3] = bad
    for method in (fitted.transform, fitted.decision_function, fitted.predict, fitted.reconstruct):
        with pytest.raises(ValueError, match=message):
            method(broken)
    with pytest.raises(ValueError, match="X: " + message):
        ae.Autoencoder(layers=SPEC, epochs=1).fit(broken)
    with pytest.raises(ValueError, match="validation_data: " + message):
        ae.Autoencoder(layers=SPEC, epochs=1).fit(rows, validation_data=broken)


def test_wrong_width_and_dimensions_are_value_errors(fitted, rows):
    with pytest.raises(ValueError, match="rows have 15 values but the model expects 16"):
        fitted.transform(rows[:, :15])
    with pytest.raises(ValueError, match="2-D array.*got 1 dimensions"):
        fitted.transform(rows[0])
    with pytest.raises(ValueError, match="2-D array.*got 3 dimensions"):
        fitted.decision_function(rows.reshape(4, 100, 16))
    with pytest.raises(ValueError, match="embedding has 4"):
        fitted.inverse_transform(np.zeros((3, 5), np.float32))
    with pytest.raises(ValueError, match="last layer has 16 units|16"):
        ae.Autoencoder(layers=SPEC, epochs=1).fit(rows[:, :10])
    with pytest.raises(ValueError, match="expected numbers"):
        fitted.transform(np.array([["a"] * 16]))
    with pytest.raises(ValueError, match="expected numbers"):
        fitted.transform(rows.astype(np.complex64))


def test_empty_input(fitted, rows):
    assert fitted.transform(rows[:0]).shape == (0, 4)
    with pytest.raises(ValueError):
        ae.Autoencoder(layers=SPEC, epochs=1).fit(rows[:0])
