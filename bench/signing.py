"""Signing throughput: the console's issuance path next to bare `cryptography` loops with
the same issuing key, measured in one run. Prints certificates per second and the ratios.

    python bench/signing.py [--count 500] [--json]

Every loop signs for keys taken from a pool of distinct CSRs, as a CA does:

- bare loop (the target's baseline): the same certificate with `cryptography` alone — each
  CSR parsed, the subject, the SAN and the CA/B Forum profile's extensions built as
  `cryptography` objects and encoded by `sign()`, the result written as PEM;
- issuance signing: what the issue transition runs to sign (issuance.sign_csr): the same,
  plus the console's own work (the profile pre-encoded once per issuer, PEM for storage) —
  the target is ≥ 0.9× the bare loop;
- minimal loop, for reference: a SAN-only certificate for one key object built once. No CA
  issues that (every certificate certifies a new key, which OpenSSL must import, and the
  BR require the profile), so it is printed beside the others, not used as the target;
- issue transition: the whole step with the database (state check, domains, the row and
  its log in one transaction): reported, bounded by a commit per certificate.

Uses a throwaway SQLite database; nothing else is touched.
"""

import argparse
import datetime as dt
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ROUNDS = 25  # short rounds in turn, each starting with the next loop: drift hits all alike
KEY_POOL = 50  # distinct subscriber keys, signed for in turn


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
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

    from certificates.ca import csr as csr_tools
    from certificates.ca import profiles
    from certificates.choices import Status
    from certificates.models import Certificate, CertificateAuthority
    from certificates.services.issuance import init_ca
    from teams.services import own_team

    init_ca()
    owner = get_user_model().objects.create(username="bench")
    team = own_team(owner).team
    names = ["www.example.com", "api.example.com"]
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(KEY_POOL)]
    csrs = [csr_tools.csr_pem(csr_tools.build_csr(key, names)) for key in keys]
    authority = CertificateAuthority.objects.issuing("aurora")
    issuer, issuer_key = authority.loaded()
    now = dt.datetime.now(dt.UTC)
    later = now + dt.timedelta(days=199)
    algorithm = profiles.signing_hash(issuer_key)
    urls = authority.urls
    profile = [
        x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
        profiles._key_usage(),
        x509.BasicConstraints(ca=False, path_length=None),
        x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()),
        x509.CertificatePolicies([x509.PolicyInformation(profiles.POLICY_DV, None)]),
        x509.CRLDistributionPoints(
            [x509.DistributionPoint([x509.UniformResourceIdentifier(urls.crl)], None, None, None)]
        ),
        x509.AuthorityInformationAccess(
            [
                x509.AccessDescription(
                    AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(urls.ocsp)
                ),
                x509.AccessDescription(
                    AuthorityInformationAccessOID.CA_ISSUERS,
                    x509.UniformResourceIdentifier(urls.ca_issuers),
                ),
            ]
        ),
    ]
    # DV's subject is empty, so its subjectAltName is critical (RFC 5280 §4.2.1.6).
    critical = {x509.SubjectAlternativeName, x509.KeyUsage, x509.BasicConstraints}
    extensions = [x509.Extension(e.oid, type(e) in critical, e) for e in profile]
    pool = itertools.cycle(csrs)

    def bare() -> bytes:
        # The same work as the console's: parse the CSR, build the profile's extensions (all
        # at once, the fastest way cryptography offers), sign, write PEM.
        return (
            x509.CertificateBuilder(extensions=extensions)
            .subject_name(x509.Name([]))
            .issuer_name(issuer.subject)
            .public_key(x509.load_pem_x509_csr(next(pool).encode()).public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(later)
            .sign(issuer_key, algorithm)
            .public_bytes(serialization.Encoding.PEM)
        )

    one_key = keys[0].public_key()

    def minimal() -> None:
        (
            x509.CertificateBuilder()
            .subject_name(issuer.subject)
            .issuer_name(issuer.subject)
            .public_key(one_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(later)
            .add_extension(profile[0], False)
            .sign(issuer_key, algorithm)
        )

    def signing() -> tuple[str, str]:
        return authority.sign_csr(
            next(pool),
            domains=names,
            policy=profiles.POLICY_DV,
            organization=None,
            not_before=now,
            not_after=later,
        )

    # Like for like: the baseline signs the certificate the console issues.
    ours = x509.load_pem_x509_certificate(signing()[0].encode())
    theirs = x509.load_pem_x509_certificate(bare())
    assert (ours.subject, ours.issuer, list(ours.extensions)) == (
        theirs.subject,
        theirs.issuer,
        list(theirs.extensions),
    )

    per_round = max(args.count * 5 // ROUNDS, 1)
    pending = []
    for _ in range(per_round * ROUNDS):
        certificate = Certificate.objects.create(
            team=team,
            owner=owner,
            status=Status.TO_BE_ISSUED,
            csr_pem=next(pool),
            primary_domain=names[0],
        )
        certificate.set_domains(names[0], names[1:])
        pending.append(certificate)

    def transition() -> None:
        pending.pop().run_transition("issue", by=None)

    loops = {"bare": bare, "signing": signing, "minimal": minimal, "transition": transition}
    order = list(loops)
    rounds = {name: [] for name in loops}
    for turn in range(ROUNDS):
        for name in order[turn % 4 :] + order[: turn % 4]:
            rounds[name].append(rate(per_round, loops[name]))
    figures = {name: statistics.median(values) for name, values in rounds.items()}

    def ratio(name: str, of: str) -> float:
        """The median of the rounds' ratios: each compares loops run moments apart."""
        return statistics.median(a / b for a, b in zip(rounds[name], rounds[of], strict=True))

    figures["signing_ratio"] = ratio("signing", "bare")
    figures["transition_ratio"] = ratio("transition", "bare")
    figures["minimal_ratio"] = ratio("signing", "minimal")
    curve = getattr(issuer_key, "curve", None)
    figures["key"] = f"EC {curve.name}" if curve else f"RSA {issuer_key.key_size}"
    if args.json:
        print(json.dumps(figures))
        return
    print(f"signing with the issuing CA's key ({figures['key']}), medians of {ROUNDS} rounds")
    print(f"  bare cryptography loop, same certificate  {figures['bare']:8.1f} certificates/s")
    print(f"  issuance signing (sign_csr)               {figures['signing']:8.1f} certificates/s")
    print(f"  minimal loop (SAN only, one key object)   {figures['minimal']:8.1f} certificates/s")
    print(
        f"  issue transition (database, log)          {figures['transition']:8.1f} certificates/s"
    )
    print(f"  ratio issuance signing / bare loop        {figures['signing_ratio']:8.2f}  (≥ 0.9)")
    print(f"  ratio issuance signing / minimal loop     {figures['minimal_ratio']:8.2f}")
    print(f"  ratio issue transition / bare loop        {figures['transition_ratio']:8.2f}")


if __name__ == "__main__":
    main()
