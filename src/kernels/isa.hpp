// Which instruction sets the hot kernels are compiled for. A function marked AE_KERNEL is
// built three times, for baseline x86-64, x86-64-v3 (AVX2, FMA) and x86-64-v4 (AVX-512
// F/BW/CD/DQ/VL), and the loader picks the one this CPU runs (GNU ifunc) once at start-up,
// so one portable binary runs each CPU at its speed. `flatten` inlines the helpers a kernel
// calls, so they are compiled for the same instruction set. Nothing here chooses precision.
// GCC only: clang does not clone function templates, so its builds (the fuzzers) take the
// baseline code, as does a build with AE_BASELINE_KERNELS (the sanitizer build: it compiles
// a third of the kernel code and runs the baseline copies under ASan and UBSan).
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(AE_BASELINE_KERNELS)
#define AE_KERNEL __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"), flatten))
#else
#define AE_KERNEL
#endif
