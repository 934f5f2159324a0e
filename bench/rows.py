"""What each certificate `make bench` seeds carries besides its columns of choice: the dates
its transitions would have set, the tenant team's operation records, and real PEMs."""

import datetime as dt

RECORDS_PER_ROW = 10  # the tenant team's operation records: as many as certificates in all
RECORD_ACTIONS = [
    ("buy", None, None),
    ("apply_saved", None, None),
    ("submit", "pending_application", "pending_domain_verification"),
    ("verify_domains", "pending_domain_verification", "to_be_issued"),
    ("issue", "to_be_issued", "issued"),
    ("download", None, None),
    ("rename", None, None),
    ("download", None, None),
    ("method", None, None),
    ("download", None, None),
]


def lifecycle_dates(status, kind, now, rng) -> tuple:
    """submitted_at, domains_verified_at, issued_at and revocation_requested_at of a row in
    this state, as its transitions would have set them: issued in the last year, DV within
    minutes to hours of submission, OV and EV after days of organization checks."""
    from certificates.choices import CertificateType, Status

    if status == Status.PENDING_APPLICATION:
        return None, None, None, None
    issued = status in {Status.ISSUED, Status.REVOKING, Status.REVOKED, Status.EXPIRED}
    end = now - dt.timedelta(seconds=rng.randint(0, 365 * 86400)) if issued else now
    dv = kind == CertificateType.DV
    took = dt.timedelta(seconds=rng.randint(60, 6 * 3600) if dv else rng.randint(86400, 9 * 86400))
    submitted = end - took
    verified = (
        submitted + dt.timedelta(seconds=rng.randint(30, 3600))
        if issued or status in {Status.PENDING_ORG_VERIFICATION, Status.TO_BE_ISSUED}
        else None
    )
    revoking = end + dt.timedelta(days=1) if status == Status.REVOKING else None
    return submitted, verified, end if issued else None, revoking


def tenant_records(
    team_id: int, pk: int, name: str, index: int, size: int, now, members: list
) -> list:
    """RECORDS_PER_ROW operation records of one of the tenant team's certificates, by its
    members in turn (the CA's steps by the CA), older for older certificates."""
    rows = []
    for step, (action, source, target) in enumerate(RECORD_ACTIONS[:RECORDS_PER_ROW]):
        by_ca = action in ("verify_domains", "issue")
        member = members[(index + step) % len(members)]
        rows.append(
            (
                None if by_ca else member.pk,
                "the CA" if by_ca else member.username,
                action,
                pk,
                f"{name} (ID {pk})",
                source or "",
                target or "",
                "Apache bundle, with the private key" if action == "download" else "",
            )
        )
    at = now - dt.timedelta(seconds=(size - index) * 60)
    return [(team_id, at + dt.timedelta(seconds=step), *row) for step, row in enumerate(rows)]


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
