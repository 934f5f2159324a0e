"""Triggers that keep the overview's counts (models/stats.py) in the transaction of every
write to a certificate, on SQLite and PostgreSQL alike, and the counts of the rows already
there. The bucket edges are certificates/figures.py's EDGES as they were when this was
written (a migration does not follow later code)."""

from django.db import migrations

EDGES = (
    60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400, 21600,
    28800, 43200, 64800, 86400, 129600, 172800, 259200, 345600, 432000, 604800, 864000,
    1209600, 1814400, 2592000,
)  # fmt: skip
UNKNOWN = -1
CERT = "certificates_certificate"
STATES = "certificates_statecount"
MONTHS = "certificates_issuancemonth"
DAYS = "certificates_issuanceday"

SQLITE = {
    # julianday() is a double: 60 s apart can come out as 59.99999…; milliseconds are exact.
    "seconds": "round((julianday({row}.issued_at) - julianday({row}.submitted_at)) * 86400.0, 3)",
    "month": "strftime('%Y-%m-01', {row}.issued_at)",
    "day": "date({row}.issued_at)",
}
POSTGRESQL = {
    "seconds": "EXTRACT(EPOCH FROM ({row}.issued_at - {row}.submitted_at))",
    "month": "(date_trunc('month', {row}.issued_at AT TIME ZONE 'UTC'))::date",
    "day": "({row}.issued_at AT TIME ZONE 'UTC')::date",
}


def bucket_sql(dialect: dict, row: str) -> str:
    seconds = dialect["seconds"].format(row=row)
    steps = " ".join(f"WHEN {seconds} < {edge} THEN {i}" for i, edge in enumerate(EDGES))
    return f"CASE WHEN {row}.submitted_at IS NULL THEN {UNKNOWN} {steps} ELSE {len(EDGES)} END"


def changes(dialect: dict, row: str, sign: str) -> list[str]:
    """The statements that add (sign "+") or take away ("-") one row's counts."""
    month, day = dialect["month"].format(row=row), dialect["day"].format(row=row)
    state = (
        f"INSERT INTO {STATES} (team_id, status, count) VALUES ({row}.team_id, {row}.status, "
        f"{sign}1) ON CONFLICT (team_id, status) DO UPDATE SET count = {STATES}.count {sign} 1"
    )
    issued = (
        f"INSERT INTO {MONTHS} (team_id, month, certificate_type, bucket, count) "
        f"SELECT {row}.team_id, {month}, {row}.certificate_type, {bucket_sql(dialect, row)}, "
        f"{sign}1 WHERE {row}.issued_at IS NOT NULL ON CONFLICT (team_id, month, "
        f"certificate_type, bucket) DO UPDATE SET count = {MONTHS}.count {sign} 1"
    )
    daily = (
        f"INSERT INTO {DAYS} (day, certificate_type, count) SELECT {day}, "
        f"{row}.certificate_type, {sign}1 WHERE {row}.issued_at IS NOT NULL "
        f"ON CONFLICT (day, certificate_type) DO UPDATE SET count = {DAYS}.count {sign} 1"
    )
    return [state, issued, daily]


CHANGED = (
    "OLD.status IS NOT NEW.status OR OLD.team_id IS NOT NEW.team_id OR "
    "OLD.issued_at IS NOT NEW.issued_at OR OLD.submitted_at IS NOT NEW.submitted_at OR "
    "OLD.certificate_type IS NOT NEW.certificate_type"
)


def sqlite_statements() -> list[str]:
    def body(*parts: list[str]) -> str:
        return " ".join(f"{statement};" for part in parts for statement in part)

    # "SELECT … WHERE" in an upsert needs a WHERE to parse: SQLite's documented ambiguity.
    plus, minus = changes(SQLITE, "NEW", "+"), changes(SQLITE, "OLD", "-")
    return [
        f"CREATE TRIGGER scm_counts_insert AFTER INSERT ON {CERT} BEGIN {body(plus)} END",
        f"CREATE TRIGGER scm_counts_delete AFTER DELETE ON {CERT} BEGIN {body(minus)} END",
        f"CREATE TRIGGER scm_counts_update AFTER UPDATE OF status, team_id, issued_at, "
        f"submitted_at, certificate_type ON {CERT} WHEN {CHANGED} "
        f"BEGIN {body(minus, plus)} END",
    ]


def postgresql_statements() -> list[str]:
    def block(row: str, sign: str) -> str:
        return " ".join(f"{statement};" for statement in changes(POSTGRESQL, row, sign))

    changed = CHANGED.replace(" IS NOT ", " IS DISTINCT FROM ")
    return [
        f"""CREATE FUNCTION scm_counts() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN {block("NEW", "+")}
          ELSIF TG_OP = 'DELETE' THEN {block("OLD", "-")}
          -- Two counts of one team change: taken in the order of their states, so that two
          -- transitions the other way round wait for each other instead of deadlocking.
          ELSIF OLD.status <= NEW.status THEN {block("OLD", "-")} {block("NEW", "+")}
          ELSE {block("NEW", "+")} {block("OLD", "-")}
          END IF;
          RETURN NULL;
        END $$""",
        f"CREATE TRIGGER scm_counts_write AFTER INSERT OR DELETE ON {CERT} "
        "FOR EACH ROW EXECUTE FUNCTION scm_counts()",
        f"CREATE TRIGGER scm_counts_update AFTER UPDATE ON {CERT} FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION scm_counts()",
    ]


def recount_statements(vendor: str) -> list[str]:
    """The counts of the rows there are, from scratch."""
    dialect = POSTGRESQL if vendor == "postgresql" else SQLITE
    month, day = dialect["month"].format(row="c"), dialect["day"].format(row="c")
    bucket = bucket_sql(dialect, "c")
    return [
        f"DELETE FROM {STATES}",
        f"DELETE FROM {MONTHS}",
        f"DELETE FROM {DAYS}",
        f"INSERT INTO {STATES} (team_id, status, count) SELECT team_id, status, COUNT(*) "
        f"FROM {CERT} c GROUP BY team_id, status",
        f"INSERT INTO {MONTHS} (team_id, month, certificate_type, bucket, count) "
        f"SELECT team_id, {month}, certificate_type, {bucket}, COUNT(*) FROM {CERT} c "
        f"WHERE issued_at IS NOT NULL GROUP BY team_id, {month}, certificate_type, {bucket}",
        f"INSERT INTO {DAYS} (day, certificate_type, count) SELECT {day}, certificate_type, "
        f"COUNT(*) FROM {CERT} c WHERE issued_at IS NOT NULL GROUP BY {day}, certificate_type",
    ]


def create(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = postgresql_statements() if vendor == "postgresql" else sqlite_statements()
    for statement in [*statements, *recount_statements(vendor)]:
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER scm_counts_write ON {CERT}")
        schema_editor.execute(f"DROP TRIGGER scm_counts_update ON {CERT}")
        schema_editor.execute("DROP FUNCTION scm_counts()")
        return
    for name in ("insert", "delete", "update"):
        schema_editor.execute(f"DROP TRIGGER scm_counts_{name}")


class Migration(migrations.Migration):
    dependencies = [("certificates", "0024_overview_counts")]

    operations = [migrations.RunPython(create, drop)]
