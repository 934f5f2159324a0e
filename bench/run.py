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
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TENANT_SHARE = 0.1  # one owner holds a tenth of the rows (100k of 1M)
BATCH = 5000
# The searched domain: FAMILY of the tenant's certificates, spread evenly through their
# history, are for hosts under it at every size, so "the same page" (20 rows of 30 found)
# is compared across sizes. A term found in a share of all rows is timed too
# (list_search_common): its result grows with the table.
FAMILY, FAMILY_DOMAIN = 30, "acme-shop.com"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def database_env(size: int) -> tuple[dict, callable]:
    """Environment for a fresh database for this size, and a function that removes it."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        folder = Path(tempfile.mkdtemp(prefix="scm-bench-"))
        path = folder / f"bench-{size}.sqlite3"
        return {"SQLITE_PATH": str(path)}, lambda: shutil.rmtree(folder, ignore_errors=True)
    import psycopg

    base, _, name = url.rpartition("/")
    bench_name = f"{name or 'scm'}_bench_{size}"
    admin_url = f"{base}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{bench_name}"')
        connection.execute(f'CREATE DATABASE "{bench_name}"')

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')

    return {"DATABASE_URL": f"{base}/{bench_name}"}, drop


class RowWriter:
    """INSERTs rows of a model given only the columns that vary; every other column takes
    its default, prepared once. Plain tuples: seeding a million rows without a million model
    instances (bulk_create spends most of its time building them). On PostgreSQL through
    COPY: executemany sends each row as its own statement with the values inlined, which
    the server parses one by one (the kilobytes of a CSR and a certificate in each)."""

    def __init__(self, model, varying: list[str], *, now):
        from django.db import connection

        self.connection = connection
        prototype = model()
        fields = [
            f
            for f in model._meta.concrete_fields
            if not f.generated and (not f.primary_key or f.attname in varying)
        ]
        self.fields = {f.attname: f for f in fields}
        self.varying = varying
        self.fixed = {}
        for f in fields:
            if f.attname in varying:
                continue
            value = (
                now
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                else getattr(prototype, f.attname)
            )
            self.fixed[f.attname] = f.get_db_prep_save(value, connection)
        columns = [*varying, *self.fixed]
        quote = connection.ops.quote_name
        self.sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        self.tail = tuple(self.fixed.values())
        self.copy = (
            f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
            "FROM STDIN"
        )

    def write(self, rows: list[tuple]) -> None:
        prepared = []
        fields = [self.fields[name] for name in self.varying]
        for row in rows:
            values = tuple(
                f.get_db_prep_save(v, self.connection) for f, v in zip(fields, row, strict=True)
            )
            prepared.append(values + self.tail)
        if self.connection.vendor == "postgresql":
            self.connection.ensure_connection()
            raw = self.connection.connection
            with raw.cursor() as cursor, cursor.copy(self.copy) as copy:
                for values in prepared:
                    copy.write_row(values)
            return
        with self.connection.cursor() as cursor:
            cursor.executemany(self.sql, prepared)


def seed(size: int) -> dict:
    """Certificates spread over states, types, brands and owners, with domains, search
    keys and logs."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from certificates.choices import Brand, CertificateType, Status
    from certificates.models import Certificate, Domain, SearchKey, TransitionLog, domain_facts
    from certificates.services.issuance import init_ca

    init_ca()
    User = get_user_model()
    tenant = User.objects.create_user("tenant", password="bench")
    staff = User.objects.create_superuser("staff", "staff@example.com", "bench")
    others = User.objects.bulk_create(
        [User(username=f"owner{i}") for i in range(max(size // 1000, 1))]
    )
    other_ids = [u.pk for u in others]
    now = timezone.now()
    statuses = [s for s in Status if s != Status.DELETED]
    # The tenant's rows in the mix of a working console: most issued, some expired, a few in
    # every other state. Issued is a tenth of them or more at every size, so the status
    # filter shows a full page (the same page) at 1k as at 1M.
    tenant_mix = [*[Status.ISSUED] * 8, *[Status.EXPIRED] * 2, *statuses]
    types, brands = list(CertificateType), list(Brand)
    issued_states = {Status.ISSUED, Status.REVOKING, Status.REVOKED, Status.EXPIRED}
    rng = random.Random(42)
    tenant_rows = max(int(size * TENANT_SHARE), 1)
    family_every, family_seen, tenant_seen = max(tenant_rows // FAMILY, 1), 0, 0
    certificates = RowWriter(
        Certificate,
        [
            "id",
            "owner_id",
            "name",
            "certificate_type",
            "brand",
            "status",
            "primary_domain",
            "domain_count",
            "manual_review",
            "not_before",
            "not_after",
            "csr_pem",
            "certificate_pem",
        ],
        now=now,
    )
    # What real rows carry: a CSR from submission on, and the certificate once issued (the
    # same real ones in every row: their size is what counts here).
    csr_pem, certificate_pem = sample_pems()
    domains = RowWriter(Domain, ["certificate_id", "name", "is_primary"], now=now)
    keys = RowWriter(SearchKey, ["owner_id", "certificate_id", "key"], now=now)
    logs = RowWriter(
        TransitionLog, ["certificate_id", "transition", "source", "target", "actor_id"], now=now
    )
    created = 0
    while created < size:
        rows, domain_rows, key_rows, log_rows = [], [], [], []
        for index in range(created, min(created + BATCH, size)):
            pk = index + 1
            status = statuses[index % len(statuses)]
            mine = index % int(1 / TENANT_SHARE) == 0 and index // 10 < tenant_rows
            owner = tenant.pk if mine else rng.choice(other_ids)
            domain = f"www{index}.example{index % 97}.com"
            if mine:
                # Every tenth row is the tenant's: without this they would all share one state.
                status = tenant_mix[tenant_seen % len(tenant_mix)]
                if tenant_seen % family_every == 0 and family_seen < FAMILY:
                    domain, family_seen = f"app{family_seen}.{FAMILY_DOMAIN}", family_seen + 1
                tenant_seen += 1
            issued = status in issued_states
            name = f"scs{1_700_000_000_000 + index}"
            # What set_domains() would write for these domains, written in bulk here.
            facts = domain_facts(domain, [], name)
            rows.append(
                (
                    pk,
                    owner,
                    name,
                    types[index % 5],
                    brands[index % 3],
                    status,
                    domain,
                    facts.count,
                    facts.manual_review,
                    now - dt.timedelta(days=10) if issued else None,
                    now + dt.timedelta(days=rng.randint(-30, 190)) if issued else None,
                    csr_pem if status != Status.PENDING_APPLICATION else "",
                    certificate_pem if issued else "",
                )
            )
            domain_rows.append((pk, domain, True))
            key_rows += [(owner, pk, key) for key in facts.keys]
            if status != Status.PENDING_APPLICATION:
                log_rows.append(
                    (pk, "submit", "pending_application", "pending_domain_verification", owner)
                )
        with transaction.atomic():
            certificates.write(rows)
            domains.write(domain_rows)
            keys.write(key_rows)
            logs.write(log_rows)
        created += len(rows)
        log(f"  seeded {created:>9,} / {size:,} certificates")
    # Leave the database as it would be after a quiet night: statistics gathered, visibility
    # maps set and dirty pages written. Otherwise autovacuum and the checkpointer do that
    # work in the middle of the timings.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('certificates_certificate', 'id'), %s)",
                [size],
            )
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {
        "tenant": tenant,
        "staff": staff,
        "tenant_rows": Certificate.objects.filter(owner=tenant).count(),
    }


def sample_pems() -> tuple[str, str]:
    """A subscriber's CSR (RSA 2048, two names) and a certificate the built-in CA issued."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from certificates.ca import csr as csr_tools
    from certificates.ca import profiles
    from certificates.models import CertificateAuthority

    names = ["www.example.com", "example.com"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = csr_tools.csr_pem(csr_tools.build_csr(key, names))
    authority = CertificateAuthority.objects.issuing("aurora")
    now = dt.datetime.now(dt.UTC)
    certificate, _serial = authority.sign_csr(
        csr,
        domains=names,
        policy=profiles.POLICY_DV,
        organization=None,
        not_before=now,
        not_after=now + dt.timedelta(days=199),
    )
    return csr, certificate


def session_cookie(user) -> str:
    from django.conf import settings

    from tests.processes import session_cookie as session_key

    return f"{settings.SESSION_COOKIE_NAME}={session_key(user)}"


def gunicorn(workers: int):
    """gunicorn (tests/processes.py) on 127.0.0.1 with this process's environment."""
    from tests.processes import Gunicorn

    return Gunicorn(workers, env=dict(os.environ))


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


def prepare(size: int, *, keep: bool = False) -> tuple[dict, callable]:
    """A fresh database of this size, migrated and seeded, as this process's database; and
    the function that removes it."""
    env, drop = database_env(size)
    if keep:
        log(f"size {size:,}: keeping the database: {env}")
        drop = lambda: None  # noqa: E731
    env.update(
        SCM_BENCH_VIEWS="1",
        SCM_CHECK_CAA="0",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    )
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scm_console.settings")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True, env=os.environ
    )
    import django

    django.setup()
    from django.db import connections

    connections.close_all()
    for alias in connections:  # the settings changed since the last size
        connections[alias].settings_dict.update(_database_settings())
    log(f"size {size:,}: seeding")
    seeded = seed(size)

    def cleanup() -> None:
        connections.close_all()
        drop()

    return seeded, cleanup


def measure(size: int, requests: int, *, keep: bool = False) -> dict:
    seeded, cleanup = prepare(size, keep=keep)
    try:
        return _run_requests(size, seeded, requests)
    finally:
        cleanup()


def _database_settings() -> dict:
    import importlib

    import scm_console.settings as project_settings

    importlib.reload(project_settings)
    return project_settings.DATABASES["default"]


def _run_requests(size: int, seeded: dict, requests: int) -> dict:
    from django.test import Client

    from certificates import pagination
    from certificates.models import Certificate
    from certificates.views.lists import _fingerprint

    tenant, staff = seeded["tenant"], seeded["staff"]
    tenant_cookie, staff_cookie = session_cookie(tenant), session_cookie(staff)
    mine = Certificate.objects.for_user(tenant).for_list()
    # 80 % in, with a full page of 20 after it at every size.
    deep_row = mine.sorted_by("created")[
        min(int(seeded["tenant_rows"] * 0.8), seeded["tenant_rows"] - 21)
    ]
    deep = pagination.encode(deep_row, "created")
    first = pagination.page(mine, "created", 20).rows
    common = "example3.com"  # in one of 97 certificates of everyone
    admin_deep_page = max(int(Certificate.objects.count() / 100 * 0.8), 1)
    server = gunicorn(workers=1)
    base = f"http://127.0.0.1:{server.port}"
    try:
        htmx = {"HX-Request": "true"}
        ours, stock = (
            f"{base}/admin/certificates/certificate/",
            f"{base}/bench/admin/certificates/certificate/",
        )
        kinds = {
            "list_first": (f"{base}/certificates/", tenant_cookie, None),
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
            "admin_ours": (ours, staff_cookie, None),
            "admin_ours_search": (f"{ours}?q={FAMILY_DOMAIN}", staff_cookie, None),
            "admin_ours_deep": (f"{ours}?p={admin_deep_page}", staff_cookie, None),
            "admin_stock": (stock, staff_cookie, None),
            "admin_stock_search": (f"{stock}?q={FAMILY_DOMAIN}", staff_cookie, None),
            "admin_stock_deep": (f"{stock}?p={admin_deep_page}", staff_cookie, None),
        }
        # Admin pages are slow at scale (the stock one counts the table): fewer of them.
        rounds = {
            kind: max(requests // (4 if kind.startswith("admin") else 1), 3) for kind in kinds
        }
        medians, statuses = timed_together(kinds, rounds)
        for kind in kinds:
            log(f"  {kind:<20} {medians[kind]:9.2f} ms  (HTTP {statuses[kind]})")
        rss_kb = _worker_rss(server.pid)
        # How many rows each list kind shows: "the same page" at every size.
        rows = {
            kind: _read(url, cookie).count(b"data-certificate-id=")
            for kind, (url, cookie, headers) in kinds.items()
            if kind.startswith("list")
        }
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
    }
    return {
        "size": size,
        "tenant_rows": seeded["tenant_rows"],
        "median_ms": medians,
        "status": statuses,
        "queries": queries,
        "worker_rss_kb": rss_kb,
        "rows": rows,
    }


def _read(url: str, cookie: str) -> bytes:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 - loopback
        return response.read()


def _worker_rss(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children")
    pids = children.read_text().split() if children.exists() else []
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
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
    print(f"{'worker RSS':<20}" + "".join(f"{r['worker_rss_kb'] / 1024:>12.1f}MB" for r in results))
    targets = []
    for kind in ("list_first", "list_deep", "list_filter", "list_search"):
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
        at_scale = r["size"] >= 1_000_000
        for stock, ours, wanted, applies in (
            ("admin_stock", "list_first", 10, postgresql),
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
    args = parser.parse_args()
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
