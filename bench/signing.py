"""Signing throughput: the console's issuance path next to a bare `cryptography` loop with
the same key type, measured in one run. Prints certificates per second and the ratios.

    python bench/signing.py [--count 500] [--json]

- bare loop: CertificateBuilder with a SAN only, signed by the issuing CA's key;
- issuance signing: what the issue transition runs to sign (issuance.sign_csr): parse the
  stored CSR, the full CA/B Forum profile, PEM — the target is ≥ 0.9× the bare loop;
- issue transition: the whole step with the database (state check, domains, the row and
  its log in one transaction): reported, bounded by a commit per certificate.

Uses a throwaway SQLite database; nothing else is touched.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ROUNDS = 5  # the loops take turns; the median round of each is reported


def rate(count: int, work) -> float:
    started = time.perf_counter()
    for _ in range(count):
        work()
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="scm-bench-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="scm_console.settings",
        SQLITE_PATH=str(Path(workdir) / "bench.sqlite3"),
        SCM_CHECK_CAA="0",
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

    from certificates import ca, issuance
    from certificates import x509 as csr_tools
    from certificates.choices import Status
    from certificates.models import Certificate

    issuance.init_ca()
    owner = get_user_model().objects.create(username="bench")
    subscriber_key = ec.generate_private_key(ec.SECP256R1())
    names = ["www.example.com", "api.example.com"]
    csr = csr_tools.csr_pem(csr_tools.build_csr(subscriber_key, names))
    authority = issuance.issuing_ca("aurora")
    issuer, issuer_key = issuance.loaded(authority)
    now = dt.datetime.now(dt.UTC)
    later = now + dt.timedelta(days=199)

    def bare() -> None:
        (
            x509.CertificateBuilder()
            .subject_name(issuer.subject)
            .issuer_name(issuer.subject)
            .public_key(subscriber_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(later)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
            .sign(issuer_key, ca._hash_for(issuer_key))
        )

    def signing() -> None:
        issuance.sign_csr(
            authority,
            csr,
            domains=names,
            policy=ca.POLICY_DV,
            organization=None,
            not_before=now,
            not_after=later,
        )

    pending = []
    for _ in range(args.count * ROUNDS):
        certificate = Certificate.objects.create(
            owner=owner, status=Status.TO_BE_ISSUED, csr_pem=csr, primary_domain=names[0]
        )
        certificate.set_domains(names[0], names[1:])
        pending.append(certificate)

    def transition() -> None:
        pending.pop().run_transition("issue", by=None)

    rounds = {"bare": [], "signing": [], "transition": []}
    for _ in range(ROUNDS):
        rounds["bare"].append(rate(args.count, bare))
        rounds["signing"].append(rate(args.count, signing))
        rounds["transition"].append(rate(args.count, transition))
    figures = {name: statistics.median(values) for name, values in rounds.items()}
    figures["signing_ratio"] = figures["signing"] / figures["bare"]
    figures["transition_ratio"] = figures["transition"] / figures["bare"]
    curve = getattr(issuer_key, "curve", None)
    figures["key"] = f"EC {curve.name}" if curve else f"RSA {issuer_key.key_size}"
    if args.json:
        print(json.dumps(figures))
        return
    print(f"signing with the issuing CA's key ({figures['key']}), median of {ROUNDS} rounds")
    print(f"  bare cryptography loop (SAN only)       {figures['bare']:8.1f} certificates/s")
    print(f"  issuance signing (CSR, full profile)    {figures['signing']:8.1f} certificates/s")
    print(f"  issue transition (database, log)        {figures['transition']:8.1f} certificates/s")
    print(f"  ratio issuance signing / bare loop      {figures['signing_ratio']:8.2f}  (≥ 0.9)")
    print(f"  ratio issue transition / bare loop      {figures['transition_ratio']:8.2f}")


if __name__ == "__main__":
    main()
