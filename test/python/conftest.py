"""pytest setup for the tests of the mlc Python package.

Run from the repository root with the package of a build on the path
(utils/test.sh does this):

    PYTHONPATH=build/python /usr/bin/python3 -m pytest test/python
"""
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "utils", "models"))


@pytest.fixture(scope="session")
def build_dir():
    """The build folder the imported mlc package belongs to (its tools are
    in bin/)."""
    import mlc
    return os.path.dirname(os.path.dirname(os.path.dirname(mlc.__file__)))


def relative_error(got, want):
    """max |got - want| / max |want|, the measure of compare_outputs.py."""
    import numpy as np
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))
