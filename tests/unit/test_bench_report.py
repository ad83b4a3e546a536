"""The benchmark's verdicts (bench/report.py): a target is met or missed by the ratio of one run's medians."""

import os
import sys

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "bench")
sys.path.insert(0, os.path.abspath(BENCH))

import report  # noqa: E402


def _med(run_pyrunc: float) -> dict:
    return {
        "run": {"pyrunc": run_pyrunc, "runc": 40.0, "crun": 25.0, "library": 15.0},
        "exec": {"pyrunc": 3.0, "runc": 30.0},
        "pss_created": {"pyrunc": 0.02, "runc": 8.7},
    }


def _status(med: dict, target: str) -> str:
    return next(v["status"] for v in report.verdicts(med) if v["target"] == target)


def test_run_is_judged_against_runc_and_crun_from_the_same_medians():
    assert _status(_med(36.0), "pyrunc/runc run <= 0.9x") == "met"  # 0.90x: at the line is met
    assert _status(_med(36.4), "pyrunc/runc run <= 0.9x") == "missed"
    assert _status(_med(45.0), "pyrunc/crun run <= 1.8x") == "met"
    assert _status(_med(45.1), "pyrunc/crun run <= 1.8x") == "missed"


def test_absolute_and_library_targets_and_missing_measures():
    med = _med(30.0)
    assert _status(med, "pyrunc pss_created <= 2 MB") == "met"
    assert _status(med, "library lifecycle / crun run <= 0.75x") == "met"  # 15 / 25
    med["run"]["library"] = 19.0
    assert _status(med, "library lifecycle / crun run <= 0.75x") == "missed"
    assert _status(med, "pyrunc/runc delete_f <= 0.3x") == "n/a"  # not measured: no verdict


def test_the_table_marks_a_missed_target():
    table = report.table(_med(38.0), ["pyrunc", "runc", "crun"], 50)
    run_row = next(line for line in table.splitlines() if line.startswith("run /bin/true"))
    assert "0.95x" in run_row and "<= 0.9x runc MISSED" in run_row and "<= 1.8x crun met" in run_row
