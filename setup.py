"""Builds ae._ae through the project's CMake build (the same libae, flags and target as the
C++ tool and its tests) and puts it in the package. The CMake build folder is
$AE_BUILD_DIR, default build/ (the one scripts/setup makes), configured here for this
interpreter when needed. Metadata lives in pyproject.toml."""
import os
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = os.path.abspath(os.environ.get("AE_BUILD_DIR", os.path.join(ROOT, "build")))
        # The interpreter itself, not a virtual environment's link to it: the module depends
        # only on its version and headers.
        python = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
        subprocess.run(["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                        "-DAE_PYTHON=ON", f"-DPython_EXECUTABLE={python}"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", build, "--target", "ae_python", f"-j{os.cpu_count() or 1}"],
                       check=True)
        built = os.path.join(build, "python", "ae", "_ae" + sysconfig.get_config_var("EXT_SUFFIX"))
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built, target)


setup(
    ext_modules=[Extension("ae._ae", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    # setuptools' own scratch folder, out of CMake's build/.
    options={"build": {"build_base": os.path.join("build", "setuptools")}},
)
