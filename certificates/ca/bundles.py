"""Download bundles per server type (SPEC §6): a zip named <name>_<server>.zip."""

import io
import secrets
import string
import zipfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.views.decorators.debug import sensitive_variables

from certificates.choices import Server
from certificates.exceptions import BundleRefused

KEYSTORES = (Server.IIS, Server.IIS_LEGACY, Server.TOMCAT)
# Windows Server 2016 and older import no PFX but one encrypted with 3DES under a SHA-1 MAC
# (PKCS#12's old PBES1); everything newer reads AES-256 under PBKDF2 with a SHA-256 MAC.
PFX_ROUNDS = 50_000
# A keystore password is pasted into command lines (keytool, openssl) and server configs:
# letters and digits only, so it never starts with "-" (keytool reads "-J…" as a JVM option)
# and never needs quoting. 24 of 62 characters: about 143 bits.
PASSWORD_ALPHABET = string.ascii_letters + string.digits
PASSWORD_LENGTH = 24


def keystore_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def needs_key(server: Server) -> bool:
    """IIS and Tomcat load a keystore that must hold the private key."""
    return server in KEYSTORES


@sensitive_variables("key_pem", "password", "files", "store")
def build(
    server: Server, *, certificate_pem: str, chain_pem: str, key_pem: bytes | None, name: str
) -> bytes:
    """The zip's bytes. key_pem is None when the applicant kept their own key."""
    if needs_key(server) and key_pem is None:
        raise BundleRefused(
            f"{server.label} needs a keystore with the private key, and you generated the key "
            "yourself: download “Other” and build the keystore with your key."
        )
    files: dict[str, bytes] = {}
    leaf, chain = certificate_pem.encode(), chain_pem.encode()
    match server:
        case Server.APACHE:
            files = {"server.crt": leaf, "chain.crt": chain}
        case Server.NGINX:
            files = {"server.crt": leaf + chain}
        case Server.OTHER:
            files = {"server.pem": leaf, "chain.pem": chain}
        case Server.IIS | Server.IIS_LEGACY | Server.TOMCAT:
            password = keystore_password()
            store = _pkcs12(
                leaf,
                chain,
                key_pem,
                password,
                alias=b"tomcat" if server == Server.TOMCAT else name.encode(),
                legacy=server == Server.IIS_LEGACY,
            )
            filename = "keystore.p12" if server == Server.TOMCAT else "server.pfx"
            files = {filename: store, "keystorePass.txt": f"{password}\n".encode()}
    if key_pem is not None and not needs_key(server):
        files["server.key"] = key_pem
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for filename, content in files.items():
            archive.writestr(filename, content)
    return buffer.getvalue()


@sensitive_variables("key_pem", "password", "key")
def _pkcs12(
    leaf: bytes, chain: bytes, key_pem: bytes, password: str, alias: bytes, *, legacy: bool
) -> bytes:
    key = serialization.load_pem_private_key(key_pem, None)
    builder = serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(PFX_ROUNDS)
    if legacy:
        builder = builder.key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(
            hashes.SHA1()
        )  # SHA-1 here only: what Windows Server 2016 imports
    else:
        builder = builder.key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(
            hashes.SHA256()
        )
    return pkcs12.serialize_key_and_certificates(
        name=alias,
        key=key,
        cert=x509.load_pem_x509_certificate(leaf),
        cas=x509.load_pem_x509_certificates(chain),
        encryption_algorithm=builder.build(password.encode()),
    )


@sensitive_variables("key_pem", "passphrase", "key")
def encrypted_key(key_pem: bytes, passphrase: str) -> bytes:
    """The private key as PKCS#8 PEM encrypted with the passphrase (AES-256-CBC, PBKDF2:
    cryptography's best available encryption)."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
