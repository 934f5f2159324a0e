"""The benchmark harness runs in CI at 1k rows so that it cannot rot; the 100k and 1M
runs are manual (`make bench`)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_harness_runs_at_1k_rows():
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--sizes", "1000", "--requests", "3", "--signing", "30"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "scm_console.settings"},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    for kind in (
        "list_first",
        "list_first_th ≤ 1.1× list_first (English)",
        "list_first_zh ≤ 1.1× list_first (English)",
        "list_deep",
        "list_search",
        "poll_unchanged",
        "hello_logged_in",
        "admin_stock_deep",
        "issuance signing",
        "minimal loop",
    ):
        assert kind in done.stdout
    assert "queries list/poll/hello     4/3/2" in done.stdout
    assert "JSON: bench/results/" in done.stdout


def test_make_bench_runs_every_size_unless_told_otherwise():
    def command(*args: str) -> str:
        # Under `make test` the inner make also prints "Entering directory" lines.
        dry = subprocess.run(
            ["make", "--no-print-directory", "-n", "bench", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        return next(line for line in dry.stdout.splitlines() if "bench/run.py" in line)

    assert command().endswith("bench/run.py --sizes 1000,100000,1000000")
    assert command("SIZES=1000,100000").endswith("bench/run.py --sizes 1000,100000")
