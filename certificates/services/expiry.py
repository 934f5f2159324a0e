"""Expiry: certificates past their end become Expired, and the members of its team who can
renew it (FullAccess and Administrators) are told 30 and 7 days before (once each,
whichever worker runs it)."""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certificates.choices import Status
from certificates.exceptions import TransitionRefused
from certificates.models import Certificate
from certificates.models.presenter import days_left, primary_domain_unicode
from teams.models import Membership
from teams.roles import Role


def expire_and_warn() -> tuple[int, int]:
    """Expire certificates past not_after; email those who can renew them 30 and 7 days
    before (once each)."""
    now = timezone.now()
    expired = 0
    for certificate in Certificate.objects.filter(status=Status.ISSUED, not_after__lte=now):
        try:
            certificate.run_transition("expire", by=None)
            expired += 1
        except TransitionRefused:
            pass  # renewed, revoked or expired by another worker meanwhile
    warned = 0
    for days in (7, 30):
        due = Certificate.objects.expiring(dt.timedelta(days=days)).filter(
            Q(expiry_notice_days__isnull=True) | Q(expiry_notice_days__gt=days)
        )
        for certificate in due:
            # Claim the notice first, so two workers never send it twice.
            if (
                not Certificate.objects.filter(pk=certificate.pk)
                .filter(Q(expiry_notice_days__isnull=True) | Q(expiry_notice_days__gt=days))
                .update(expiry_notice_days=days)
            ):
                continue
            _send_expiry_notice(certificate, days)
            warned += 1
    return expired, warned


def renewers(certificate: Certificate) -> list[str]:
    """The email addresses of the team's members who may renew the certificate."""
    members = Membership.objects.filter(
        team_id=certificate.team_id, role__in=[Role.ADMINISTRATOR, Role.FULL_ACCESS]
    ).exclude(user__email="")
    return sorted(set(members.values_list("user__email", flat=True)))


def _send_expiry_notice(certificate: Certificate, days: int) -> None:
    """One email to each language the renewers read (their saved choice, else English)."""
    recipients = renewers(certificate)
    if not recipients:
        return
    left = days_left(certificate)
    chosen, by_language = languages_of(certificate), {}
    for address in recipients:
        by_language.setdefault(chosen.get(address, "en"), []).append(address)
    link = f"{settings.SCM_PUBLIC_URL}{reverse('certificates:detail', args=[certificate.pk])}"
    for language, addresses in sorted(by_language.items()):
        with translation.override(language):
            facts = {
                "name": certificate.name,
                "domain": primary_domain_unicode(certificate),
                "date": formats.date_format(certificate.not_after, "DATE_FORMAT"),
                "days": left,
            }
            send_mail(
                subject=ngettext(
                    "%(name)s expires in %(days)d day", "%(name)s expires in %(days)d days", left
                )
                % facts,
                message=ngettext(
                    "Your team's certificate %(name)s for %(domain)s expires on %(date)s, in "
                    "%(days)d day.",
                    "Your team's certificate %(name)s for %(domain)s expires on %(date)s, in "
                    "%(days)d days.",
                    left,
                )
                % facts
                + "\n\n"
                + _("Renew it from %(link)s") % {"link": link}
                + "\n",
                from_email=None,
                recipient_list=addresses,
            )


def languages_of(certificate: Certificate) -> dict[str, str]:
    """The saved language of each renewer, by email address (those who chose one)."""
    return dict(
        Membership.objects.filter(
            team_id=certificate.team_id, user__profile__language__gt=""
        ).values_list("user__email", "user__profile__language")
    )
