"""The operation records in `make bench`: the tenant team's records pages (first, one
member's, deep), and the CSV export of all of them (a million at 1M), which must not grow
the worker's memory."""

import time
import urllib.request

PAGES = ("records_first", "records_member", "records_deep")


def kinds(base: str, cookie: str, seeded: dict) -> dict:
    """The records pages to time, as bench/run.py's kinds."""
    from certificates.models import Record
    from certificates.views.records import NEWEST_FIRST

    ours = NEWEST_FIRST.order(Record.objects.filter(team=seeded["team"]))
    total = ours.count()
    # 80 % in, with a full page of 50 after it at every size.
    deep_row = ours[min(int(total * 0.8), total - 51)]
    deep = NEWEST_FIRST.encode(deep_row)
    url = f"{base}/records/"
    return {
        "records_first": (url, cookie, None),
        "records_member": (f"{url}?member=colleague1", cookie, None),
        "records_deep": (f"{url}?after={deep}", cookie, None),
    }


def rows_shown(kinds: dict, read) -> dict:
    """How many records each records page shows: the same page at every size."""
    return {
        kind: read(url, cookie).count(b"data-record=")
        for kind, (url, cookie, _) in kinds.items()
        if kind in PAGES
    }


def export(base: str, cookie: str, peak_kb) -> dict:
    """Stream the team's whole CSV once: rows, seconds, and the worker's peak memory before
    and after (peak_kb reads it)."""
    before = peak_kb()
    request = urllib.request.Request(f"{base}/records/?format=csv", headers={"Cookie": cookie})
    started, lines = time.perf_counter(), 0
    with urllib.request.urlopen(request, timeout=3600) as response:  # noqa: S310 - loopback
        for _ in response:
            lines += 1
    return {
        "rows": lines - 1,
        "seconds": time.perf_counter() - started,
        "peak_before_kb": before,
        "peak_after_kb": peak_kb(),
    }


def csv_targets(smallest: dict, largest: dict) -> list[tuple[str, bool]]:
    """Streaming every record as CSV leaves the worker's peak memory flat: within 1.1x of its
    peak before the export, at the largest size (a worker that held the rows would grow
    by hundreds of MB at 1M). The worker's peak before the export is not compared across
    sizes: the pages timed before it already differ (the worker RSS target covers them)."""
    print(
        f"{'records CSV':<20}"
        + "".join(
            f"{r['csv']['rows']:>9,} rows in {r['csv']['seconds']:.1f} s, worker peak "
            f"{r['csv']['peak_before_kb'] / 1024:.1f} → {r['csv']['peak_after_kb'] / 1024:.1f} MB; "
            for r in (smallest, largest)
        )
    )
    small, large = smallest["csv"], largest["csv"]
    ratio = large["peak_after_kb"] / max(large["peak_before_kb"], 1)
    grew = {
        n: (r["peak_after_kb"] - r["peak_before_kb"]) / 1024
        for n, r in (("s", small), ("l", large))
    }
    return [
        (
            f"worker peak memory streaming {large['rows']:,} records as CSV ≤ 1.1× its peak "
            f"before: {ratio:.2f}× (+{grew['l']:.1f} MB; +{grew['s']:.1f} MB for "
            f"{small['rows']:,})",
            ratio <= 1.1 and large["rows"] > small["rows"],
        )
    ]
