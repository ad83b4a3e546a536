"""The benchmark's pace gauges (bench/pace.py): what each result says about the machine's phase."""

import os
import sys

import pytest

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "bench")
sys.path.insert(0, os.path.abspath(BENCH))

import pace  # noqa: E402
from measures import Bench  # noqa: E402


def test_a_round_samples_both_gauges():
    bench = Bench([], None, None, 0.0, python=sys.executable)
    bench._pace()
    bench._pace()
    assert len(bench.samples["pace_python"]["vm"]) == 2
    assert len(bench.samples["pace_fault"]["vm"]) == 2
    assert all(v > 0 for v in bench.samples["pace_python"]["vm"] + bench.samples["pace_fault"]["vm"])


def test_a_failing_interpreter_is_an_error_not_a_sample():
    with pytest.raises(RuntimeError, match="exit 1"):
        pace.interpreter("/bin/false")


def test_the_interpreter_is_the_one_beside_pyrunc(tmp_path):
    pyrunc = tmp_path / "pyrunc"
    pyrunc.write_text("")
    assert pace.python_of(str(pyrunc)) == "python3"
    python = tmp_path / "python"
    python.write_text("")
    python.chmod(0o755)
    assert pace.python_of(str(pyrunc)) == str(python)


def test_the_line_under_the_table():
    med = {"pace_python": {"vm": 7.94}, "pace_fault": {"vm": 0.912}, "run": {"pyrunc": 20.0}}
    assert pace.line(med) == "  the machine's pace (medians): python -c pass 7.9 ms, a fresh page 0.91 us"
    assert pace.line({"run": {"pyrunc": 20.0}}) == ""
