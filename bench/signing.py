"""Signing throughput: the console's issuance path next to a bare `cryptography` loop with
the same key type, measured in one run. Prints certificates per second and the ratio.

    python bench/signing.py [--count 300]

Uses a throwaway SQLite database; nothing else is touched.
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
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
    certificates = []
    for _ in range(args.count):
        certificate = Certificate.objects.create(
            owner=owner, status=Status.TO_BE_ISSUED, csr_pem=csr, primary_domain=names[0]
        )
        certificate.set_domains(names[0], names[1:])
        certificates.append(certificate)

    started = time.perf_counter()
    for certificate in certificates:
        certificate.run_transition("issue", by=None)
    console = args.count / (time.perf_counter() - started)

    authority = issuance.issuing_ca("aurora")
    issuer, issuer_key = issuance.loaded(authority)
    urls = issuance.urls("aurora")
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    for _ in range(args.count):
        ca.sign_subscriber(
            public_key=subscriber_key.public_key(),
            domains=names,
            policy=ca.POLICY_DV,
            organization=None,
            issuer=issuer,
            issuer_key=issuer_key,
            not_before=now,
            not_after=now + dt.timedelta(days=199),
            urls=urls,
        )
    bare_profile = args.count / (time.perf_counter() - started)

    started = time.perf_counter()
    for _ in range(args.count):
        (
            x509.CertificateBuilder()
            .subject_name(issuer.subject)
            .issuer_name(issuer.subject)
            .public_key(subscriber_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=199))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
            .sign(issuer_key, ca._hash_for(issuer_key))
        )
    bare = args.count / (time.perf_counter() - started)

    print(f"signing with an EC P-384 issuing CA, {args.count} certificates each")
    print(f"  bare cryptography loop (SAN only)         {bare:8.1f} certificates/s")
    print(f"  full CA/B profile, no database            {bare_profile:8.1f} certificates/s")
    print(f"  console issue transition (DB, log, CSR)   {console:8.1f} certificates/s")
    print(f"  ratio console / bare loop                 {console / bare:8.2f}")
    print(f"  ratio profile / bare loop                 {bare_profile / bare:8.2f}")


if __name__ == "__main__":
    main()
