"""The CA staff's admin pages and the team's overview in `make bench`: each admin page
(the certificate changelist first, searched and deep; the organization review queue; the
transition log, searched; the records) against itself at the smallest size, the deep page
and the search against Django's stock changelist on the same rows, and the overview
against the list's first page."""

import re
from types import SimpleNamespace

ADMIN_PAGES = (
    "admin_ours",
    "admin_ours_search",
    "admin_ours_deep",
    "admin_review",
    "admin_log",
    "admin_log_search",
    "admin_records",
)
# Pages that show the same rows at every size (the log's search finds the entries of the
# searched certificates, whose states, hence entries, vary with the size).
SAME_ROWS = set(ADMIN_PAGES) - {"admin_log_search"}
STOCK = ("admin_stock", "admin_stock_search", "admin_stock_deep")


def kinds(base: str, staff_cookie: str, tenant_cookie: str, term: str) -> dict:
    """The pages to time, as bench/run.py's kinds."""
    from certificates import pagination
    from certificates.models import Certificate

    total = Certificate.objects.count()
    # 80 % in, newest first, as the stock admin's page number below.
    deep_id = Certificate.objects.order_by("-id").values_list("id", flat=True)[int(total * 0.8)]
    deep = pagination.Keyset(Certificate, [("id", True)]).encode(SimpleNamespace(id=deep_id))
    stock_deep_page = max(int(total / 100 * 0.8), 1)
    admin = f"{base}/admin/certificates"
    ours, stock = f"{admin}/certificate/", f"{base}/bench/admin/certificates/certificate/"
    pages = {
        "admin_ours": ours,
        "admin_ours_search": f"{ours}?q={term}",
        "admin_ours_deep": f"{ours}?after={deep}",
        "admin_review": f"{admin}/organizationreview/",
        "admin_log": f"{admin}/statechange/",
        "admin_log_search": f"{admin}/statechange/?q={term}",
        "admin_records": f"{admin}/record/",
        "admin_stock": stock,
        "admin_stock_search": f"{stock}?q={term}",
        "admin_stock_deep": f"{stock}?p={stock_deep_page}",
    }
    found = {kind: (url, staff_cookie, None) for kind, url in pages.items()}
    found["overview"] = (f"{base}/overview/", tenant_cookie, None)
    return found


def rows_shown(kinds: dict, read) -> dict:
    """How many rows each admin page shows."""
    shown = {}
    for kind in (*ADMIN_PAGES, *STOCK):
        url, cookie, _ = kinds[kind]
        page = read(url, cookie).decode()
        table = re.search(r'<table id="result_list">(.*?)</table>', page, re.S)
        shown[kind] = table.group(1).split("<tbody>")[1].count("<tr") if table else 0
    return shown


def targets(smallest: dict, largest: dict) -> list[tuple[str, bool]]:
    m = lambda r, k: r["median_ms"][k]  # noqa: E731
    found = []
    size, base = f"{largest['size']:,}", f"{smallest['size']:,}"
    for kind in ADMIN_PAGES:
        ratio = m(largest, kind) / m(smallest, kind)
        shown = (smallest["rows"][kind], largest["rows"][kind])
        same = shown[0] == shown[1] or kind not in SAME_ROWS
        found.append(
            (
                f"{kind} at {size} ≤ 1.5× at {base}: {ratio:.2f}× ({shown[0]} rows and"
                f" {shown[1]}{': the same page wanted' if kind in SAME_ROWS else ''})",
                ratio <= 1.5 and same and shown[1] > 0,
            )
        )
    at_scale = largest["size"] >= 1_000_000
    for stock, ours in (
        ("admin_stock_deep", "admin_ours_deep"),
        ("admin_stock_search", "admin_ours_search"),
    ):
        ratio = m(largest, stock) / m(largest, ours)
        found.append(
            (
                f"{stock} / {ours} at {size}: {ratio:.1f}×"
                + (" ≥ 10×" if at_scale else " (10× wanted at 1M)"),
                ratio >= 10 or not at_scale,
            )
        )
    ratio = m(largest, "overview") / m(largest, "list_first")
    found.append((f"overview / list_first at {size}: {ratio:.2f}× ≤ 2×", ratio <= 2))
    ratio = m(largest, "overview") / m(smallest, "overview")
    found.append((f"overview at {size} / at {base}: {ratio:.2f}× (not a target)", True))
    return found
