"""`make bench`: seed certificates at several sizes, time the console against gunicorn on
127.0.0.1, and print medians, ratios measured in the same run, query counts and targets.

    python bench/run.py --sizes 1000,100000,1000000 [--requests 40]

On SQLite (default) each size gets a throwaway database file; with DATABASE_URL set, a
database named <name>_bench_<size> is created next to it (and dropped when done). Results
are also written as JSON to bench/results/.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import api
import records
import staff
from seeding import FAMILY_DOMAIN, ROOT, log, prepare


def session_cookie(user) -> str:
    from django.conf import settings

    from tests.support.processes import session_cookie as session_key

    return f"{settings.SESSION_COOKIE_NAME}={session_key(user)}"


def gunicorn(workers: int):
    """gunicorn (tests/support/processes.py) on 127.0.0.1 with this process's environment;
    a request may take as long as the client waits (the stock admin's search at 1M rows
    takes more than gunicorn's default 30 s, whose worker would be killed with a 500)."""
    from tests.support.processes import Gunicorn

    return Gunicorn(workers, env=dict(os.environ), timeout=300)


def fetch(url: str, headers: dict) -> tuple[float, int]:
    """Milliseconds for one GET, and its status."""
    request = urllib.request.Request(url, headers=headers)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 - loopback
        response.read()
        status = response.status
    return (time.perf_counter() - started) * 1000, status


def timed_together(kinds: dict, rounds: dict) -> tuple[dict, dict]:
    """Median milliseconds and last status of each kind. The kinds take turns, one request
    each per round (after two warm-up rounds), so that the machine's drift during the run
    weighs on all of them alike and the ratios between them hold."""
    samples = {kind: [] for kind in kinds}
    statuses = {}
    for turn in range(max(rounds.values()) + 2):
        for kind, (url, cookie, headers) in kinds.items():
            if turn >= rounds[kind] + 2:
                continue
            elapsed, statuses[kind] = fetch(url, {"Cookie": cookie, **(headers or {})})
            if turn >= 2:
                samples[kind].append(elapsed)
    return {kind: statistics.median(values) for kind, values in samples.items()}, statuses


def query_count(client, url: str, **headers) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url, headers=headers)
    return len(queries)


def measure(size: int, requests: int, *, keep: bool = False) -> dict:
    _seeded, cleanup = prepare(size, keep=keep)
    try:
        return _timed_elsewhere(size, requests)
    finally:
        cleanup()


def _timed_elsewhere(size: int, requests: int) -> dict:
    """The timings, taken by a fresh interpreter (this one's environment points it at the
    seeded database): the heap that seeding a million rows leaves behind slowed the client
    side of every request, a hello-world's included (1.24x at 1M rows), so that the sizes
    were not compared alike."""
    done = subprocess.run(
        [sys.executable, __file__, "--time", str(size), "--requests", str(requests)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
    )
    sys.stderr.write(done.stderr)
    if done.returncode:
        raise SystemExit(f"timing {size:,} rows failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _time_seeded(size: int, requests: int) -> None:
    """--time: what _timed_elsewhere() runs, printing its results as JSON."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from seeding import COLLEAGUES

    from certificates.models import Certificate
    from teams.models import Team

    users = get_user_model().objects
    team = Team.objects.get(name="Tenant Co")
    reader = next(name for name, role in COLLEAGUES.items() if role == "read_only")
    seeded = {
        "tenant": users.get(username="tenant"),
        "staff": users.get(username="staff"),
        "team": team,
        "tenant_rows": Certificate.objects.filter(team=team).count(),
        "reader": users.get(username=reader),
    }
    print(json.dumps(_run_requests(size, seeded, requests), default=str))


def _run_requests(size: int, seeded: dict, requests: int) -> dict:
    from django.test import Client

    from certificates import pagination
    from certificates.models import Certificate
    from certificates.views.lists import _fingerprint

    tenant_cookie = session_cookie(seeded["tenant"])
    staff_cookie = session_cookie(seeded["staff"])
    tenant = seeded["tenant"]
    mine = Certificate.objects.of_team(seeded["team"].pk, tenant.pk).for_list()
    # 80 % in, with a full page of 20 after it at every size.
    newest = pagination.LIST_KEYSETS["created"]
    deep_row = newest.order(mine)[min(int(seeded["tenant_rows"] * 0.8), seeded["tenant_rows"] - 21)]
    deep = newest.encode(deep_row)
    first = pagination.read(mine, newest, 20).rows
    common = "example3.com"  # in one of 97 certificates of everyone
    server = gunicorn(workers=1)
    base = f"http://127.0.0.1:{server.port}"
    try:
        htmx = {"HX-Request": "true"}
        kinds = {
            "list_first": (f"{base}/certificates/", tenant_cookie, None),
            # The same page in Thai and in Chinese (the browser's Accept-Language), side by side.
            "list_first_th": (f"{base}/certificates/", tenant_cookie, {"Accept-Language": "th"}),
            "list_first_zh": (
                f"{base}/certificates/",
                tenant_cookie,
                {"Accept-Language": "zh-Hans"},
            ),
            "list_deep": (f"{base}/certificates/?after={deep}", tenant_cookie, None),
            "list_filter": (f"{base}/certificates/?status=issued", tenant_cookie, None),
            "list_search": (f"{base}/certificates/?q={FAMILY_DOMAIN}", tenant_cookie, None),
            "list_search_common": (f"{base}/certificates/?q={common}", tenant_cookie, None),
            "poll_unchanged": (
                f"{base}/certificates/?fp={_fingerprint(first)}",
                tenant_cookie,
                htmx,
            ),
            "poll_changed": (f"{base}/certificates/?fp=stale", tenant_cookie, htmx),
            "hello_anonymous": (f"{base}/bench/hello/", "", None),
            "hello_logged_in": (f"{base}/bench/hello/", tenant_cookie, None),
            **staff.kinds(base, staff_cookie, tenant_cookie, FAMILY_DOMAIN),
            **records.kinds(base, tenant_cookie, seeded),
            **api.kinds(base, seeded, FAMILY_DOMAIN),
        }
        api_token = kinds["api_list"][2]
        # The stock admin is slow at scale (it counts the table, OFFSET): fewer of them.
        rounds = {kind: max(requests // (4 if kind in staff.STOCK else 1), 3) for kind in kinds}
        medians, statuses = timed_together(kinds, rounds)
        for kind in kinds:
            log(f"  {kind:<20} {medians[kind]:9.2f} ms  (HTTP {statuses[kind]})")
        rss_kb = _worker_rss(server.pid)
        exported = records.export(base, tenant_cookie, lambda: _worker_rss(server.pid, "VmHWM:"))
        # How many rows each list kind shows: "the same page" at every size.
        rows = (
            {
                kind: _read(url, cookie).count(b"data-certificate-id=")
                for kind, (url, cookie, headers) in kinds.items()
                if kind.startswith("list")
            }
            | records.rows_shown(kinds, _read)
            | api.rows_shown(kinds, _read)
            | staff.rows_shown(kinds, _read)
        )
    finally:
        server.stop()
    client = Client()
    client.force_login(tenant)
    queries = {
        "list_first": query_count(client, "/certificates/"),
        "poll_unchanged": query_count(
            client, f"/certificates/?fp={_fingerprint(first)}", HX_Request="true"
        ),
        "hello_logged_in": query_count(client, "/bench/hello/"),
        "records_first": query_count(client, "/records/"),
        "api_list": query_count(
            Client(), "/v3/scm/certificates?limit=10", X_Auth_Token=api_token["X-Auth-Token"]
        ),
    }
    return {
        "size": size,
        "tenant_rows": seeded["tenant_rows"],
        "median_ms": medians,
        "status": statuses,
        "queries": queries,
        "worker_rss_kb": rss_kb,
        "csv": exported,
        "rows": rows,
    }


def _read(url: str, cookie: str, headers: dict | None = None) -> bytes:
    request = urllib.request.Request(url, headers={"Cookie": cookie, **(headers or {})})
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 - loopback
        return response.read()


def _worker_rss(master: int, field: str = "VmRSS:") -> int:
    """The largest worker's resident memory (VmRSS), or its peak since it started (VmHWM)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    pids = children.read_text().split() if children.exists() else []
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                total = max(total, int(line.split()[1]))
    return total


def signing(count: int) -> dict:
    """bench/signing.py in its own process (it sets up its own throwaway database)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "signing.py"), "--count", str(count), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(results: list[dict], signed: dict | None = None) -> list[tuple[str, bool]]:
    smallest, largest = results[0], results[-1]
    m = lambda r, k: r["median_ms"][k]  # noqa: E731
    print(f"{'kind':<20}" + "".join(f"{r['size']:>14,}" for r in results))
    for kind in smallest["median_ms"]:
        print(f"{kind:<20}" + "".join(f"{m(r, kind):>12.2f}ms" for r in results))
    print(
        f"{'queries list/poll/hello':<20}"
        + "".join(
            f"{r['queries']['list_first']:>6}/{r['queries']['poll_unchanged']}/{r['queries']['hello_logged_in']:<5}"
            for r in results
        )
    )
    print(
        f"{'queries records/API':<20}"
        + "".join(
            f"{r['queries']['records_first']:>10}/{r['queries']['api_list']:<3}" for r in results
        )
    )
    print(f"{'worker RSS':<20}" + "".join(f"{r['worker_rss_kb'] / 1024:>12.1f}MB" for r in results))
    targets = []
    ratio = m(largest, "list_search_common") / m(smallest, "list_search_common")
    targets.append(
        (
            f"list_search_common (a term in 1 of 97 rows) at {largest['size']:,} ≤ 1.5× at"
            f" {smallest['size']:,}: {ratio:.2f}× ({smallest['rows']['list_search_common']}"
            f" rows and {largest['rows']['list_search_common']}: more found at scale)",
            ratio <= 1.5,
        )
    )
    for kind in ("list_first", "list_deep", "list_filter", "list_search", *records.PAGES):
        ratio = m(largest, kind) / m(smallest, kind)
        shown = (smallest["rows"][kind], largest["rows"][kind])
        targets.append(
            (
                f"{kind} at {largest['size']:,} ≤ 1.2× at {smallest['size']:,}: {ratio:.2f}×"
                f" ({shown[0]} rows and {shown[1]}: the same page wanted)",
                ratio <= 1.2 and shown[0] == shown[1],
            )
        )
    postgresql = os.environ.get("DATABASE_URL", "").startswith("postgres")
    for r in results:
        ratio = m(r, "poll_unchanged") / m(r, "hello_logged_in")
        extra = r["queries"]["poll_unchanged"] - r["queries"]["hello_logged_in"]
        targets.append(
            (
                f"unchanged poll ≤ 1.5× hello at {r['size']:,}: {ratio:.2f}×, "
                f"HTTP {r['status']['poll_unchanged']}, +{extra} queries ≤ 2",
                ratio <= 1.5 and r["status"]["poll_unchanged"] == 204 and extra <= 2,
            )
        )
        for language, kind in (("Thai", "list_first_th"), ("Chinese", "list_first_zh")):
            ratio = m(r, kind) / m(r, "list_first")
            targets.append(
                (
                    f"{kind} ≤ 1.1× list_first (English) at {r['size']:,}: {ratio:.2f}× "
                    f"({language}, {r['rows'][kind]} rows)",
                    ratio <= 1.1 and r["rows"][kind] == r["rows"]["list_first"],
                )
            )
        at_scale = r["size"] >= 1_000_000
        for stock, ours, wanted, applies in (
            ("admin_stock", "list_first", 12, postgresql),
            ("admin_stock_search", "list_search", 20, True),
            ("admin_stock_deep", "list_deep", 20, True),
        ):
            ratio = m(r, stock) / m(r, ours)
            wanted_here = at_scale and applies
            targets.append(
                (
                    f"{stock} / {ours} at {r['size']:,}: {ratio:.1f}×"
                    + (f" ≥ {wanted}×" if wanted_here else f" ({wanted}× wanted at 1M)"),
                    ratio >= wanted or not wanted_here,
                )
            )
    if signed:
        print(
            f"{'signing/s':<20}bare loop (same certificate) {signed['bare']:.0f}, issuance"
            f" signing {signed['signing']:.0f}, minimal loop (SAN only, one key object)"
            f" {signed['minimal']:.0f}, issue transition {signed['transition']:.0f}"
            f" ({signed['key']} issuing CA)"
        )
        targets.append(
            (
                f"issuance signing ≥ 0.9× the bare loop: {signed['signing_ratio']:.2f}× "
                f"(of the minimal loop: {signed['minimal_ratio']:.2f}×; whole issue transition"
                f" with its commit: {signed['transition_ratio']:.2f}×)",
                signed["signing_ratio"] >= 0.9,
            )
        )
    targets += staff.targets(smallest, largest)
    targets += records.csv_targets(smallest, largest)
    targets += api.targets(results)
    ratio = largest["worker_rss_kb"] / max(smallest["worker_rss_kb"], 1)
    targets.append(
        (
            f"worker RSS at {largest['size']:,} ≤ 1.1× at {smallest['size']:,}: {ratio:.2f}×",
            ratio <= 1.1,
        )
    )
    print()
    for text, met in targets:
        print(f"  [{'pass' if met else 'FAIL'}] {text}")
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the databases (for EXPLAIN)")
    parser.add_argument("--signing", type=int, default=500, help="certificates per signing round")
    parser.add_argument("--time", type=int, help=argparse.SUPPRESS)  # _timed_elsewhere()
    args = parser.parse_args()
    if args.time:
        _time_seeded(args.time, args.requests)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    log("signing")
    signed = signing(args.signing)
    results = [measure(size, args.requests, keep=args.keep) for size in sizes]
    report(results, signed)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    engine = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    path = out / f"bench-{engine}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps({"sizes": results, "signing": signed}, indent=2, default=str))
    print(f"\nJSON: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
