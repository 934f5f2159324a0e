"""The databases `make bench` times: a fresh one per size (a SQLite file, or a database
next to DATABASE_URL's on PostgreSQL), migrated and seeded with certificates spread over
states, types, brands and teams, written in bulk (COPY on PostgreSQL) with what the
console's own writers would write (models.domain_facts)."""

import datetime as dt
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rows import lifecycle_dates, sample_pems, tenant_records

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TENANT_SHARE = 0.1  # one team holds a tenth of the rows (100k of 1M)
# The tenant team's members besides "tenant" (its Administrator), who take turns buying.
COLLEAGUES = {"colleague1": "full_access", "colleague2": "full_access", "colleague3": "read_only"}
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
    # The name the run started with: prepare() points DATABASE_URL at each size's database.
    name = re.sub(r"_bench_\d+$", "", name.split("_bench_")[0])
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
    """Certificates spread over states, types, brands and teams, with domains, search
    keys, logs and (for the tenant team) operation records."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from certificates.choices import Brand, CertificateType, Status
    from certificates.models import (
        Certificate,
        Domain,
        Record,
        SearchKey,
        domain_facts,
    )
    from certificates.services.issuance import init_ca
    from teams.models import Membership, Team

    init_ca()
    User = get_user_model()
    tenant = User.objects.create_user("tenant", password="bench")
    staff = User.objects.create_superuser("staff", "staff@example.com", "bench")
    # The tenant team: tenant (Administrator) and colleagues; every other owner alone in a
    # team of their own, as a single user is.
    team = Team.objects.create(name="Tenant Co")
    Membership.objects.create(team=team, user=tenant, role="administrator")
    colleagues = User.objects.bulk_create([User(username=name) for name in COLLEAGUES])
    Membership.objects.bulk_create(
        Membership(team=team, user=user, role=COLLEAGUES[user.username]) for user in colleagues
    )
    buyers = [tenant, *(u for u in colleagues if COLLEAGUES[u.username] == "full_access")]
    others = User.objects.bulk_create(
        [User(username=f"owner{i}") for i in range(max(size // 1000, 1))]
    )
    other_teams = Team.objects.bulk_create(Team(name=user.username) for user in others)
    Membership.objects.bulk_create(
        Membership(team=t, user=user, role="administrator")
        for t, user in zip(other_teams, others, strict=True)
    )
    other_ids = [(u.pk, t.pk) for u, t in zip(others, other_teams, strict=True)]
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
            "team_id",
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
            "submitted_at",
            "domains_verified_at",
            "issued_at",
            "revocation_requested_at",
        ],
        now=now,
    )
    # What real rows carry: a CSR from submission on, and the certificate once issued (the
    # same real ones in every row: their size is what counts here).
    csr_pem, certificate_pem = sample_pems()
    domains = RowWriter(Domain, ["certificate_id", "name", "is_primary"], now=now)
    keys = RowWriter(SearchKey, ["team_id", "certificate_id", "key"], now=now)
    records = RowWriter(
        Record,
        ["team_id", "at", "actor_id", "actor_name", "action", "certificate_id"]
        + ["certificate_label", "source", "target", "detail"],
        now=now,
    )
    usernames = {user.pk: user.username for user in others}
    created = 0
    while created < size:
        rows, domain_rows, key_rows, record_rows = [], [], [], []
        for index in range(created, min(created + BATCH, size)):
            pk = index + 1
            status = statuses[index % len(statuses)]
            mine = index % int(1 / TENANT_SHARE) == 0 and index // 10 < tenant_rows
            if mine:
                owner, owner_team = buyers[tenant_seen % len(buyers)].pk, team.pk
            else:
                owner, owner_team = rng.choice(other_ids)
            domain = f"www{index}.example{index % 97}.com"
            if mine:
                # Every tenth row is the tenant's: without this they would all share one state.
                status = tenant_mix[tenant_seen % len(tenant_mix)]
                if tenant_seen % family_every == 0 and family_seen < FAMILY:
                    domain, family_seen = f"app{family_seen}.{FAMILY_DOMAIN}", family_seen + 1
                tenant_seen += 1
            issued = status in issued_states
            kind = types[index % 5]
            dates = lifecycle_dates(status, kind, now, rng)
            name = f"scs{1_700_000_000_000 + index}"
            # What set_domains() would write for these domains, written in bulk here.
            facts = domain_facts(domain, [], name)
            rows.append(
                (
                    pk,
                    owner_team,
                    owner,
                    name,
                    kind,
                    brands[index % 3],
                    status,
                    domain,
                    facts.count,
                    facts.manual_review,
                    now - dt.timedelta(days=10) if issued else None,
                    now + dt.timedelta(days=rng.randint(-30, 190)) if issued else None,
                    csr_pem if status != Status.PENDING_APPLICATION else "",
                    certificate_pem if issued else "",
                    *dates,
                )
            )
            domain_rows.append((pk, domain, True))
            key_rows += [(owner_team, pk, key) for key in facts.keys]
            if mine:
                record_rows += tenant_records(
                    team.pk, pk, name, index, size, now, [tenant, *colleagues]
                )
            elif status != Status.PENDING_APPLICATION:
                # Every other team's submission: its record (the staff's transition log).
                record_rows.append(
                    (owner_team, now, owner, usernames[owner], "submit", pk, f"{name} (ID {pk})")
                    + ("pending_application", "pending_domain_verification", "")
                )
        with transaction.atomic():
            certificates.write(rows)
            domains.write(domain_rows)
            keys.write(key_rows)
            records.write(record_rows)
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
        "tenant_rows": Certificate.objects.filter(team=team).count(),
        "team": team,
        "reader": next(u for u in colleagues if COLLEAGUES[u.username] == "read_only"),
    }


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
        SCM_API_REQUESTS_PER_MINUTE="1000000",  # the bench times requests, not the limit
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


def _database_settings() -> dict:
    import importlib

    import scm_console.settings as project_settings

    importlib.reload(project_settings)
    return project_settings.DATABASES["default"]
