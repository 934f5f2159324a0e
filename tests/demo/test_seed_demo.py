import datetime as dt

from django.contrib.auth import authenticate as django_authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from certificates.choices import CertificateType, Status
from certificates.models import Certificate, StateChange


def authenticate(**credentials):
    """As a login does: with the request (login throttling needs it)."""
    return django_authenticate(RequestFactory().post("/accounts/login/"), **credentials)


def test_seed_demo_creates_every_type_in_every_state_and_can_run_again(db):
    call_command("seed_demo")
    alice = Certificate.objects.filter(owner__username="alice")
    combinations = set(alice.values_list("certificate_type", "status"))
    for product in CertificateType:
        for status in Status:
            if status == Status.PENDING_ORG_VERIFICATION and product == CertificateType.DV:
                continue
            assert (product, status) in combinations

    total, logs = Certificate.objects.count(), StateChange.objects.count()
    call_command("seed_demo")
    assert (Certificate.objects.count(), StateChange.objects.count()) == (total, logs)


def test_seed_demo_users_and_password(db):
    call_command("seed_demo", password="s3cret-demo")
    staff = authenticate(username="staff", password="s3cret-demo")
    assert staff.is_staff
    assert set(staff.groups.values_list("name", flat=True)) == {
        "Validation",
        "Issuance",
        "Revocation",
    }
    assert not authenticate(username="alice", password="s3cret-demo").is_staff
    assert authenticate(username="bob", password="s3cret-demo")


def test_demo_timelines_were_made_by_real_transitions(db):
    call_command("seed_demo")
    revoked = Certificate.objects.get(
        owner__username="alice", certificate_type="ov", status=Status.REVOKED
    )
    steps = list(
        StateChange.objects.filter(certificate=revoked).values_list("action", "actor__username")
    )
    assert steps == [
        ("submit", "alice"),
        ("verify_domains", None),
        ("verify_organization", "staff"),
        ("issue", "staff"),
        ("request_revocation", "alice"),
        ("approve_revocation", "staff"),
    ]


def test_reset_starts_over(db):
    call_command("seed_demo")
    first = set(Certificate.objects.values_list("pk", flat=True))
    call_command("seed_demo", reset=True)
    second = set(Certificate.objects.values_list("pk", flat=True))
    assert len(second) == len(first)
    assert not first & second


def test_reset_starts_over_after_acme_orders_too(db):
    """Found trying it: orders from certbot against the demo stopped `seed_demo --reset`."""
    from django.contrib.auth import get_user_model

    from certificates.models import AcmeAccount, AcmeOrder
    from tests.support.acme_client import csr_for, register

    call_command("seed_demo")
    dave = get_user_model().objects.get(username="dave")
    register(dave).acme.new_order(csr_for(["www.northwind-demo.com"])[0])
    call_command("seed_demo", reset=True)
    assert not AcmeOrder.objects.exists() and not AcmeAccount.objects.exists()


def test_seed_demo_works_offline_even_with_caa_checks_on(db, settings):
    settings.SCM_CHECK_CAA = True
    settings.SCM_DNS_RESOLVER = "127.0.0.1:9"  # nothing answers there
    settings.SCM_DNS_TIMEOUT = 0.2
    call_command("seed_demo")
    assert Certificate.objects.filter(status=Status.ISSUED).exists()
    assert settings.SCM_CHECK_CAA is True  # restored for everything else


def test_seed_demo_makes_the_two_teams_with_their_roles(db):
    from teams.models import Membership

    call_command("seed_demo")
    members = set(Membership.objects.values_list("team__name", "user__username", "role"))
    assert members >= {
        ("Northwind Traders", "alice", "administrator"),
        ("Northwind Traders", "dave", "full_access"),
        ("Northwind Traders", "carol", "read_only"),
        ("Fabrikam", "bob", "administrator"),
    }
    assert not Certificate.objects.filter(owner__username="alice").exclude(
        team__name="Northwind Traders"
    )
    assert not Certificate.objects.filter(owner__username="bob").exclude(team__name="Fabrikam")
    for username in ("carol", "dave"):
        assert authenticate(username=username, password="demo")


def test_an_earlier_demo_of_alices_moves_into_northwind(db):
    """alice's certificates of a demo seeded before teams (in the team of her own a
    migration gave her) belong to Northwind Traders once the demo is seeded again."""
    from tests.factories import CertificateFactory, UserFactory, team_of

    alice = UserFactory(username="alice")
    earlier = CertificateFactory(owner=alice, name="demo-dv-05", primary_domain="old.example")
    assert earlier.team == team_of(alice) and earlier.team.name == "alice"
    call_command("seed_demo")
    earlier.refresh_from_db()
    assert earlier.team.name == "Northwind Traders"
    assert earlier.search_keys.exclude(team=earlier.team).count() == 0


def northwind():
    return Certificate.objects.filter(team__name="Northwind Traders").exclude(status=Status.DELETED)


def test_newest_first_is_the_newest_and_the_first_page_is_no_history(db, settings):
    """Found by a first-time user: page 1 was 19 demo-history rows issued months ago."""
    call_command("seed_demo")
    by_id = list(northwind().order_by("-id").values_list("created_at", flat=True))
    assert by_id == sorted(by_id, reverse=True)
    first_page = northwind().order_by("-id")[: settings.SCM_PAGE_SIZE]
    assert not [c.name for c in first_page if c.name.startswith("demo-history-")]
    assert {c.status for c in first_page} >= {
        Status.PENDING_DOMAIN_VERIFICATION,
        Status.PENDING_ORG_VERIFICATION,
        Status.TO_BE_ISSUED,
    }


def test_an_issued_certificates_timeline_records_and_validity_tell_one_story(db):
    """Found by a first-time user: valid from June, its timeline said it all happened today."""
    from cryptography import x509

    call_command("seed_demo")
    issued = northwind().exclude(issued_at=None)
    assert issued.count() > 30
    for certificate in issued:
        log = dict(StateChange.objects.filter(certificate=certificate).values_list("action", "at"))
        assert log["submit"] == certificate.submitted_at < log["issue"] == certificate.issued_at
        steps = StateChange.objects.filter(certificate=certificate).values_list("action", flat=True)
        # In the order they were taken, by their times too.
        assert list(steps.order_by("at", "pk")) == list(steps.order_by("pk")), certificate.name
        assert certificate.not_before == certificate.issued_at
        pem = x509.load_pem_x509_certificate(certificate.certificate_pem.encode())
        assert pem.not_valid_before_utc == certificate.not_before.replace(microsecond=0)
        for record in certificate.records.exclude(action__in=["apply_saved", "buy"]):
            assert record.at == log[record.action], (certificate.name, record.action)
        if certificate.status == Status.EXPIRED:
            assert certificate.not_after < log["expire"] < certificate.not_after + dt.timedelta(1)
    assert issued.filter(issued_at__lt=timezone.now() - dt.timedelta(days=300)).exists()


def test_seeded_issuance_took_as_long_as_each_type_takes(db):
    """DV minutes, OV 1-3 working days, EV 7-10 working days (SPEC §4): the overview's
    median for EV was "under a minute" while the buy page said 7-10 working days."""
    from certificates.services.overview import team_overview
    from certificates.workdays import is_working_day

    call_command("seed_demo")
    for certificate in northwind().exclude(issued_at=None):
        took = certificate.issued_at - certificate.submitted_at
        start, end = certificate.submitted_at.date(), certificate.issued_at.date()
        workdays = sum(
            is_working_day(start + dt.timedelta(days=n)) for n in range(1, (end - start).days + 1)
        )
        kind = certificate.certificate_type
        if kind == CertificateType.DV:
            assert dt.timedelta(minutes=5) <= took <= dt.timedelta(hours=1), certificate.name
        elif kind in (CertificateType.OV, CertificateType.OV_PRO):
            assert 1 <= workdays <= 3, (certificate.name, took)
        else:
            assert 7 <= workdays <= 10, (certificate.name, took)
    team = Certificate.objects.filter(team__name="Northwind Traders").first().team_id
    medians = {m["type"]: m for m in team_overview(team).medians}
    assert medians["dv"]["words"].endswith("min"), medians
    assert 7 <= medians["ev"]["seconds"] / 86400 <= 14, medians["ev"]["words"]


def test_a_demo_refusal_names_only_what_its_product_checks(db):
    """Found by a first-time user: a DV refused because the registry record did not match
    the organization's legal name (a DV has no organization)."""
    call_command("seed_demo")
    failed = Certificate.objects.filter(status=Status.APPLICATION_FAILED)
    dv = failed.filter(certificate_type=CertificateType.DV)
    assert dv.exists()
    for certificate in dv:
        assert "organization" not in certificate.failure_reason.lower()
        assert "registry" not in certificate.failure_reason.lower()
    ov = failed.exclude(certificate_type=CertificateType.DV)
    assert all("legal name" in certificate.failure_reason for certificate in ov)


def test_demo_certificates_past_domain_verification_have_every_domain_verified(db):
    """Found by a first-time user: issued and failed demo certificates listed their domains
    as Pending (the seed's verify_domains left the domain rows as they were)."""
    from certificates.models import Domain

    call_command("seed_demo")
    past = Certificate.objects.exclude(domains_verified_at=None)
    assert past.filter(status=Status.ISSUED).exists()
    assert not Domain.objects.filter(certificate__in=past).exclude(status="verified").exists()
