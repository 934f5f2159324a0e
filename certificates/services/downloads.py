"""Downloads (SPEC §6): the bundle for one server type, within the hourly limit, recorded."""

from dataclasses import dataclass

from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from certificates.ca import bundles
from certificates.choices import Server, Status
from certificates.exceptions import BundleRefused
from certificates.models import Certificate, Record
from certificates.services import limits
from certificates.services.applications import private_key_pem


@dataclass(frozen=True)
class Bundle:
    filename: str
    content: bytes


@sensitive_variables("key_pem", "archive")
def bundle(certificate: Certificate, server: Server, user, *, with_key: bool) -> Bundle:
    """The zip for this server type, named <name>_<server>.zip, recorded as downloaded by
    `user`; the private key the console made is in it only `with_key` (a role that may have
    it: permissions.may_download_key). BundleRefused before issuance or for a keystore
    without the key; Limited past SCM_DOWNLOADS_PER_HOUR."""
    if certificate.status != Status.ISSUED or not certificate.certificate_pem:
        raise BundleRefused(_("Only issued certificates can be downloaded."))
    if not with_key and certificate.private_key and bundles.needs_key(server):
        raise BundleRefused(
            f"{server.label} needs a keystore with the private key, which your role does not "
            "download: download Apache, Nginx or Other for the certificate and its chain."
        )
    limits.check_download(user)
    key_pem = private_key_pem(certificate) if with_key else None
    archive = bundles.build(
        server,
        certificate_pem=certificate.certificate_pem,
        chain_pem=certificate.issuer.certificate_pem,
        key_pem=key_pem,
        name=certificate.name,
    )
    detail = f"{server.label} bundle, {'with' if key_pem else 'without'} the private key"
    _record(certificate, user, server, key_pem is not None, "download", detail)
    return Bundle(f"{slugify(certificate.name) or certificate.pk}_{server}.zip", archive)


def _record(
    certificate: Certificate, user, server: Server, with_key: bool, action: str, detail: str
):
    """A download in the team's operation records: the certificate's page lists it and the
    hourly limit counts it."""
    Record.note(certificate, action, actor=user, detail=detail, server=server, with_key=with_key)


@dataclass
class Export:
    """The PEMs of an issued certificate, for the API (SPEC §10)."""

    certificate: str
    certificate_chain: str
    private_key: str | None

    @property
    def entire_certificate(self) -> str:
        return self.certificate + self.certificate_chain


@sensitive_variables("key_pem", "passphrase")
def export(certificate: Certificate, user, *, with_key: bool, passphrase: str = "") -> Export:
    """The certificate, its chain and (`with_key`, where the console made it) the private
    key, encrypted PKCS#8 with a passphrase; recorded like a download and within the same
    hourly limit. BundleRefused before issuance."""
    if certificate.status != Status.ISSUED or not certificate.certificate_pem:
        raise BundleRefused(_("Only issued certificates can be exported."))
    limits.check_download(user)
    key_pem = private_key_pem(certificate) if with_key else None
    if key_pem is not None and passphrase:
        key_pem = bundles.encrypted_key(bytes(key_pem), passphrase)
    key_words = "without the private key"
    if key_pem is not None:
        key_words = "with the private key" + (", encrypted" if passphrase else "")
    _record(
        certificate, user, Server.OTHER, key_pem is not None, "export", f"PEM export, {key_words}"
    )
    return Export(
        certificate=certificate.certificate_pem,
        certificate_chain=certificate.issuer.certificate_pem,
        private_key=bytes(key_pem).decode() if key_pem is not None else None,
    )
