import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from certificates.ca import keystore
from certificates.ca.keystore import _fernet


@pytest.fixture(autouse=True)
def _fresh_cache():
    _fernet.cache_clear()
    yield
    _fernet.cache_clear()


def test_round_trip_and_ciphertext_hides_the_key(settings):
    settings.SCM_KEY_ENCRYPTION_KEY = Fernet.generate_key().decode()
    sealed = keystore.encrypt(b"-----BEGIN PRIVATE KEY-----\nsecret\n")
    assert b"PRIVATE KEY" not in sealed
    assert keystore.decrypt(sealed) == b"-----BEGIN PRIVATE KEY-----\nsecret\n"


def test_the_key_is_not_secret_key(settings):
    settings.SCM_KEY_ENCRYPTION_KEY = ""
    sealed = keystore.encrypt(b"key")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    with pytest.raises(ValueError, match="cannot be decrypted"):
        keystore.decrypt(sealed)


def test_invalid_key_is_a_check_error(settings):
    settings.SCM_KEY_ENCRYPTION_KEY = "not-a-fernet-key"
    with pytest.raises(SystemCheckError, match="scm.E001"):
        call_command("check")


def test_deploy_check_warns_when_the_key_is_derived(settings, capsys, monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # set by browser tests
    settings.SCM_KEY_ENCRYPTION_KEY = ""
    call_command("check", deploy=True, fail_level="ERROR")
    assert "scm.W001" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["127.0.0.1", "127.0.0.1:", ":53", "host:port"])
def test_resolver_setting_must_be_host_and_port(settings, value):
    settings.SCM_DNS_RESOLVER = value
    with pytest.raises(SystemCheckError, match="scm.E002"):
        call_command("check")
