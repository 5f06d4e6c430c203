"""Bundles the libkap shared library into the package at build time.

Where the library comes from, in order: $KAP_LIBRARY; a build in the source
tree (../../build/libkap.so); else it is built here with CMake from the
source tree two levels up. Without any of these the package still installs,
and finds an installed libkap at import time.
"""
import glob
import os
import shutil
import subprocess
import tempfile

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def find_library():
    env = os.environ.get("KAP_LIBRARY")
    if env and os.path.exists(env):
        return env
    for build in ("build", "build-rel"):
        hits = sorted(glob.glob(os.path.join(ROOT, build, "libkap.so.*")))
        if hits:
            return hits[-1]
    if os.path.exists(os.path.join(ROOT, "CMakeLists.txt")) and shutil.which("cmake"):
        out = tempfile.mkdtemp(prefix="kap-build-")
        try:
            subprocess.check_call(["cmake", "-S", ROOT, "-B", out, "-DKAP_BUILD_TESTS=OFF",
                                   "-DCMAKE_BUILD_TYPE=Release"], stdout=subprocess.DEVNULL)
            subprocess.check_call(["cmake", "--build", out, "--target", "kap", "kap-replay"], stdout=subprocess.DEVNULL)
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"kap: could not build libkap ({e}); the package will look for an installed one")
            return None
        hits = sorted(glob.glob(os.path.join(out, "libkap.so.*")))
        return hits[-1] if hits else None
    return None


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        lib = find_library()
        if lib:
            dest = os.path.join(self.build_lib, "kap", "libkap.so")
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(os.path.realpath(lib), dest)
            print(f"kap: bundled {lib}")
            # libkap-replay (kap.Replay) beside it, when it was built
            replay = sorted(glob.glob(os.path.join(os.path.dirname(os.path.realpath(lib)), "libkap-replay.so.*")))
            if replay:
                shutil.copyfile(os.path.realpath(replay[-1]), os.path.join(self.build_lib, "kap", "libkap-replay.so"))
                print(f"kap: bundled {replay[-1]}")


setup(cmdclass={"build_py": BuildWithLibrary})
