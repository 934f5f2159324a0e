"""Requests per second of the list page and of polls against gunicorn with 2 and 4 web
workers (the production shape of `make serve`), driven by wrk on 127.0.0.1 for a fixed time.

    python bench/throughput.py [--rows 100000] [--workers 2,4] [--seconds 15] [--connections 16]

wrk is a small C load generator: it leaves the machine's cores to the server being
measured, where a Python generator would compete for them. Install it with
`apt-get install wrk`. The database is seeded like `make bench` (DATABASE_URL or SQLite)
and removed afterwards. Prints a table and writes JSON to bench/results/.
"""

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import gunicorn, session_cookie  # noqa: E402
from seeding import ROOT, log, prepare  # noqa: E402

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, headers: dict, *, seconds: int, connections: int) -> dict:
    """Requests per second, median and 99th percentile latency (ms), and the count of
    answers that were not 2xx or 3xx, from one wrk run."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def latency(label: str) -> float:
        number, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)$", out, re.M).groups()
        return float(number) * UNITS[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency("50%"),
        "p99_ms": latency("99%"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workers", default="2,4")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/throughput.py needs wrk: apt-get install wrk")
    seeded, cleanup = prepare(args.rows)
    try:
        from certificates import pagination
        from certificates.models import Certificate
        from certificates.views.lists import _fingerprint

        tenant = seeded["tenant"]
        cookie = session_cookie(tenant)
        ours = Certificate.objects.of_team(seeded["team"].pk, tenant.pk)
        first = pagination.read(ours, pagination.LIST_KEYSETS["created"], 20).rows
        kinds = {
            "list page": ("/certificates/", {"Cookie": cookie}),
            "unchanged poll": (
                f"/certificates/?fp={_fingerprint(first)}",
                {"Cookie": cookie, "HX-Request": "true"},
            ),
        }
        results = {}
        for workers in [int(w) for w in args.workers.split(",")]:
            server = gunicorn(workers)
            port = server.port
            try:
                for kind, (path, headers) in kinds.items():
                    figures = wrk(
                        f"http://127.0.0.1:{port}{path}",
                        headers,
                        seconds=args.seconds,
                        connections=args.connections,
                    )
                    results[f"{kind}, {workers} workers"] = figures
                    log(f"  {workers} workers, {kind}: {figures}")
            finally:
                server.stop()
    finally:
        cleanup()
    cores = os.cpu_count()
    print(f"{args.rows:,} certificates, {args.connections} connections, {cores} CPU cores")
    print(f"{'':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for label, r in results.items():
        print(
            f"{label:<28}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
            f"{r['non_2xx']:>8}{(' ' + r['socket_errors']) if r['socket_errors'] else ''}"
        )
    counts = sorted({int(w) for w in args.workers.split(",")})
    if len(counts) > 1:
        low, high = counts[0], counts[-1]
        for kind in kinds:
            ratio = (
                results[f"{kind}, {high} workers"]["rps"] / results[f"{kind}, {low} workers"]["rps"]
            )
            print(f"{kind}: {high} workers give {ratio:.2f}× the requests/s of {low}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"throughput-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"JSON: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
