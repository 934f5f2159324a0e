"""`make lint-pki`: pkilint over what this console's CA publishes, as an auditor would run it —
every active CA certificate and OCSP responder, the CRLs, OCSP responses (good, revoked,
unknown) and the certificates it issued — printed as a table of the findings at WARNING and
above. Findings that name only the host of SCM_PUBLIC_URL as an internal domain (the demo
runs on 127.0.0.1) are listed apart. Exits 1 when anything else is found.

    python scripts/lint_pki.py [--limit 200]

Runs against the console's own database (DATABASE_URL, else db.sqlite3): run `make run` or
`make seed` first. CA certificates made before the current profiles (an older checkout) are
replaced by `python manage.py init_ca --rotate`.
"""

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
SUBSCRIBER = {
    "dv": "DV-FINAL-CERTIFICATE",
    "ov": "OV-FINAL-CERTIFICATE",
    "ov_pro": "OV-FINAL-CERTIFICATE",
    "ev": "EV-FINAL-CERTIFICATE",
    "ev_pro": "EV-FINAL-CERTIFICATE",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=200, help="issued certificates to lint")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scm_console.settings")
    import django

    django.setup()
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp
    from django.conf import settings

    from certificates.choices import CAKind
    from certificates.models import Certificate, CertificateAuthority
    from certificates.services import issuance
    from tests import pki

    loopback = urlsplit(settings.SCM_PUBLIC_URL).hostname
    if not CertificateAuthority.objects.filter(active=True).exists():
        print("There is no CA yet: run `make seed` (or `make run`) first.", file=sys.stderr)
        return 2
    rows: list[tuple[str, str, list]] = []
    for authority in CertificateAuthority.objects.filter(active=True).order_by("brand", "kind"):
        pem = authority.certificate_pem.encode()
        if authority.kind == CAKind.ROOT:
            rows.append((authority.name, "ROOT-CA", pki.certificate(pem, "ROOT-CA")))
            crl = issuance.current_crl(authority)
            rows.append((f"{authority.name} CRL", "ARL (BR)", pki.run(
                "lint_crl", "-t", "ARL", "-p", "BR", document=crl
            )))  # fmt: skip
            continue
        profile = "INTERNAL-UNCONSTRAINED-TLS-CA"
        rows.append((authority.name, profile, pki.certificate(pem, profile)))
        rows.append((f"{authority.name} ← root", "chain", pki.chain(
            authority.parent.certificate_pem.encode(), pem
        )))  # fmt: skip
        responder, _ = issuance.responder(authority)
        responder_pem = responder.public_bytes(serialization.Encoding.PEM)
        rows.append((f"{authority.name} OCSP responder", "OCSP-RESPONDER",
                     pki.certificate(responder_pem, "OCSP-RESPONDER")))  # fmt: skip
        rows.append((f"{authority.name} CRL", "CRL (BR)", pki.crl(issuance.current_crl(authority))))
    issued = Certificate.objects.exclude(certificate_pem="").select_related("issuer")
    asked = set()
    for certificate in issued.order_by("-pk")[: args.limit]:
        label = f"ID {certificate.pk} {certificate.certificate_type} {certificate.domain_type}"
        pem = certificate.certificate_pem.encode()
        rows.append((label, SUBSCRIBER[certificate.certificate_type],
                     pki.certificate(pem, SUBSCRIBER[certificate.certificate_type])))  # fmt: skip
        status = certificate.get_status_display()
        if status not in asked:  # an OCSP response of each status found
            asked.add(status)
            leaf = x509.load_pem_x509_certificate(pem)
            issuer = x509.load_pem_x509_certificate(certificate.issuer.certificate_pem.encode())
            request = (
                ocsp.OCSPRequestBuilder()
                .add_certificate(leaf, issuer, hashes.SHA1())
                .add_extension(x509.OCSPNonce(os.urandom(16)), critical=False)
                .build()
            )
            answer = issuance.answer_ocsp(request.public_bytes(serialization.Encoding.DER))
            rows.append((f"OCSP for ID {certificate.pk} ({status})", "OCSP", pki.ocsp(answer)))
    return report(rows, loopback)


def report(rows: list[tuple[str, str, list]], loopback: str) -> int:
    width = max(len(name) for name, _, _ in rows)
    kinds = max(len(kind) for _, kind, _ in rows)
    print(f"{'document':<{width}}  {'profile':<{kinds}}  findings at WARNING and above")
    objections, let_through = 0, 0
    for name, kind, found in rows:
        shown = []
        for finding in found:
            if finding.code == "cabf.internal_domain_name" and finding.message.endswith(
                f'"{loopback}"'
            ):
                let_through += 1
                continue
            objections += 1
            shown.append(str(finding))
        print(f"{name:<{width}}  {kind:<{kinds}}  {'; '.join(shown) or 'none'}")
    print(
        f"\n{len(rows)} documents, {objections} findings; {let_through} internal_domain_name "
        f"findings for {loopback}, the host of SCM_PUBLIC_URL (a public URL in production)."
    )
    return 1 if objections else 0


if __name__ == "__main__":
    sys.exit(main())
