"""A certificate's operation record (models/records.py): one constructor for what is done to a
certificate, in its team's records, by a member or by the CA; never changed or deleted."""

import pytest

from certificates.models import Record
from tests.factories import CertificateFactory


def test_a_certificates_record_is_in_its_team_by_the_member(alice):
    certificate = CertificateFactory(owner=alice, name="shop")
    record = Record.note(certificate, "rename", actor=alice, detail="old → shop")
    record.refresh_from_db()
    assert (record.team_id, record.certificate_id) == (certificate.team_id, certificate.pk)
    assert (record.actor, record.actor_name) == (alice, "alice")
    assert record.certificate_label == f"shop (ID {certificate.pk})"
    assert record.detail == "old → shop"


def test_a_certificates_record_without_a_member_is_the_cas(alice):
    certificate = CertificateFactory(owner=alice)
    record = Record.note(certificate, "acme_challenge", detail="a.example.com, dns: found")
    assert (record.actor, record.actor_name) == (None, "the CA")


def test_of_certificate_is_not_saved_until_asked(alice):
    certificate = CertificateFactory(owner=alice)
    before = Record.objects.count()
    unsaved = Record.of_certificate(certificate, "buy", actor=alice, detail="DV")
    assert unsaved.pk is None and Record.objects.count() == before
    Record.objects.bulk_create([unsaved])
    assert Record.objects.filter(certificate=certificate, action="buy").exists()


def test_a_record_is_never_changed_nor_deleted(alice):
    record = Record.note(CertificateFactory(owner=alice), "rename", actor=alice, detail="x")
    record.detail = "y"
    with pytest.raises(ValueError, match="never changed"):
        record.save()
    with pytest.raises(ValueError, match="never deleted"):
        record.delete()
