import pytest

from certificates.choices import CertificateType, DomainType, Status
from certificates.models import Certificate
from tests.factories import CertificateFactory

BUY = "/certificates/buy/"


def purchase(**overrides) -> dict:
    return {
        "kind": "ssl",
        "certificate_type": "ov",
        "brand": "aurora",
        "domain_type": "single",
        "key_algorithm": "ec_p256",
        "quantity": "1",
        **overrides,
    }


def test_buy_page_renders_both_tabs(alice_client):
    assert "Certificate type" in alice_client.get(BUY).text
    assert "20 of 20 left" in alice_client.get(BUY, {"tab": "test"}).text


def test_anonymous_user_goes_to_login(db, client):
    assert client.get(BUY).url.startswith("/accounts/login/")


def test_buying_one_opens_its_application(alice_client, alice):
    response = alice_client.post(BUY, purchase())
    certificate = Certificate.objects.get(owner=alice)
    assert response.url == f"/certificates/{certificate.pk}/apply/"
    assert certificate.status == Status.PENDING_APPLICATION
    assert certificate.certificate_type == CertificateType.OV
    assert certificate.name.startswith("scs")


def test_quantity_makes_one_row_per_certificate(alice_client, alice):
    response = alice_client.post(
        BUY, purchase(quantity="7", domain_type="multiple", additional_domains="5")
    )
    assert response.url == "/certificates/?status=pending_application"
    bought = Certificate.objects.filter(owner=alice)
    assert bought.count() == 7
    assert {(c.domain_type, c.additional_domain_slots) for c in bought} == {
        (DomainType.MULTIPLE, 5)
    }
    assert len(set(bought.values_list("name", flat=True))) == 7


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"certificate_type": "ev", "domain_type": "wildcard"},
            "EV certificates cannot be wildcard",
        ),
        ({"certificate_type": "ev_pro", "domain_type": "wildcard"}, "cannot be wildcard"),
        ({"domain_type": "multiple"}, "Say how many additional domains"),
        ({"domain_type": "multiple", "additional_domains": "0"}, "at least 1 additional"),
        ({"domain_type": "multiple", "additional_domains": "100"}, "at most 99 additional"),
        ({"quantity": "0"}, "Buy at least 1"),
        ({"quantity": "101"}, "At most 100"),
        ({"quantity": "lots"}, "Enter a whole number"),
        ({"certificate_type": "platinum"}, "Select a valid choice"),
    ],
)
def test_invalid_purchase_is_refused_with_a_reason(alice_client, alice, overrides, message):
    response = alice_client.post(BUY, purchase(**overrides))
    assert response.status_code == 400
    assert message in response.text
    assert not Certificate.objects.filter(owner=alice).exists()


def test_single_domain_ignores_an_additional_count(alice_client, alice):
    alice_client.post(BUY, purchase(additional_domains="5"))
    assert Certificate.objects.get(owner=alice).additional_domain_slots == 0


def test_test_certificate_is_dv_single_and_counted(alice_client, alice):
    response = alice_client.post(BUY, {"kind": "test", "brand": "boreal"})
    certificate = Certificate.objects.get(owner=alice)
    assert response.url == f"/certificates/{certificate.pk}/apply/"
    assert (certificate.is_test, certificate.certificate_type, certificate.domain_type) == (
        True,
        CertificateType.DV,
        DomainType.SINGLE,
    )
    assert "19 of 20 left" in alice_client.get(BUY, {"tab": "test"}).text


def test_test_quota_counts_deleted_and_revoked_ones(alice_client, alice, bob):
    for index in range(19):
        CertificateFactory(
            owner=alice, is_test=True, status=[Status.DELETED, Status.REVOKED][index % 2]
        )
    CertificateFactory(owner=bob, is_test=True)  # someone else's do not count
    assert alice_client.post(BUY, {"kind": "test", "brand": "aurora"}).status_code == 302

    refused = alice_client.post(BUY, {"kind": "test", "brand": "aurora"})

    assert refused.status_code == 400
    assert "Your team has used all 20 free test certificates" in refused.text
    assert "0 of 20 left" in refused.text
    assert Certificate.objects.filter(owner=alice, is_test=True).count() == 20
