// Helpers shared by the files of src/score/ and not part of the public interface.
#pragma once

namespace ae::detail {

// v rounded to float and then to the shortest decimal that reads back as that float (as a
// double, so JSON writers print it short); the exact float value where that decimal would
// read back, through double, as a different float.
double short_float(double v);

}  // namespace ae::detail
