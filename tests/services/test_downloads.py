"""Downloads (certificates/services/downloads.py), at the service boundary: the bundle for
one server type and the API's PEM export, with or without the key the console holds, each
recorded in the team's operation records, refused before issuance and past the hourly
limit."""

import io
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from django.utils.text import slugify

from certificates.choices import Server
from certificates.exceptions import BundleRefused, Limited
from certificates.models import Record
from certificates.services.applications import private_key_pem
from certificates.services.downloads import bundle, export
from tests.ca.helpers import issued, system_key_certificate
from tests.factories import CertificateFactory


def files_of(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def records_of(certificate, action: str) -> list[Record]:
    return list(Record.objects.filter(certificate=certificate, action=action))


def test_a_bundle_with_the_key_holds_it_and_is_recorded_so(alice):
    certificate = system_key_certificate(alice)
    made = bundle(certificate, Server.NGINX, alice, with_key=True)
    assert made.filename == f"{slugify(certificate.name)}_nginx.zip"
    files = files_of(made.content)
    assert set(files) == {"server.crt", "server.key"}
    assert b"PRIVATE KEY" in files["server.key"]
    (record,) = records_of(certificate, "download")
    assert (record.actor, record.team_id) == (alice, certificate.team_id)
    assert record.detail == "Nginx bundle, with the private key"


def test_a_bundle_without_the_key_leaves_it_out_and_is_recorded_so(alice, bob):
    certificate = system_key_certificate(alice)
    made = bundle(certificate, Server.APACHE, bob, with_key=False)  # a role without the key
    assert set(files_of(made.content)) == {"server.crt", "chain.crt"}
    (record,) = records_of(certificate, "download")
    assert (record.actor, record.detail) == (bob, "Apache bundle, without the private key")


def test_a_keystore_is_refused_to_a_role_that_does_not_get_the_key(alice):
    certificate = system_key_certificate(alice)
    with pytest.raises(BundleRefused, match="IIS needs a keystore with the private key"):
        bundle(certificate, Server.IIS, alice, with_key=False)
    assert records_of(certificate, "download") == []


def test_only_issued_certificates_are_downloaded_or_exported(alice):
    certificate = CertificateFactory(owner=alice, ready=True)
    with pytest.raises(BundleRefused, match="Only issued certificates can be downloaded."):
        bundle(certificate, Server.OTHER, alice, with_key=True)
    with pytest.raises(BundleRefused, match="Only issued certificates can be exported."):
        export(certificate, alice, with_key=True)
    assert not Record.objects.filter(certificate=certificate, action__in=["download", "export"])


def test_past_the_hourly_limit_nothing_is_built_or_recorded(alice, settings):
    settings.SCM_DOWNLOADS_PER_HOUR = 2
    certificate = issued(alice)
    bundle(certificate, Server.NGINX, alice, with_key=False)
    export(certificate, alice, with_key=False)  # the export counts as a download
    with pytest.raises(Limited, match="You downloaded 2 bundles in the last hour"):
        bundle(certificate, Server.NGINX, alice, with_key=False)
    with pytest.raises(Limited):
        export(certificate, alice, with_key=False)
    assert len(records_of(certificate, "download")) == 1
    assert len(records_of(certificate, "export")) == 1


def test_an_export_with_a_passphrase_encrypts_the_key(alice):
    certificate = system_key_certificate(alice)
    pems = export(certificate, alice, with_key=True, passphrase="correct horse")
    assert pems.certificate == certificate.certificate_pem
    assert pems.certificate_chain == certificate.issuer.certificate_pem
    assert pems.entire_certificate == pems.certificate + pems.certificate_chain
    assert "ENCRYPTED PRIVATE KEY" in pems.private_key
    key = serialization.load_pem_private_key(pems.private_key.encode(), b"correct horse")
    held = serialization.load_pem_private_key(private_key_pem(certificate), None)
    assert key.public_key().public_numbers() == held.public_key().public_numbers()
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(pems.private_key.encode(), b"wrong")
    (record,) = records_of(certificate, "export")
    assert record.detail == "PEM export, with the private key, encrypted"


def test_an_export_of_an_own_csr_or_without_the_key_has_none(alice):
    own = issued(alice)
    assert export(own, alice, with_key=True).private_key is None  # the console never had it
    held = system_key_certificate(alice)
    plain = export(held, alice, with_key=True)
    assert plain.private_key.startswith("-----BEGIN PRIVATE KEY-----")
    assert export(held, alice, with_key=False).private_key is None
    assert [r.detail for r in records_of(own, "export")] == ["PEM export, without the private key"]
    assert sorted(r.detail for r in records_of(held, "export")) == [
        "PEM export, with the private key",
        "PEM export, without the private key",
    ]
