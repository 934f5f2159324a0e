"""The API's steps run their transitions' follow-ups: an application submitted through the
API has its domain checks queued; a withdrawal, a revocation request, a deletion run theirs."""

from certificates.choices import Status
from certificates.models import Certificate
from tests.factories import CertificateFactory
from tests.support.follow_ups import effect_of

LIST = "/v3/scm/certificates"


def test_an_application_submitted_through_the_api_has_its_checks_queued(
    alice, api, client, follow_ups
):
    [pk] = api.post(LIST, {"type": "DV_SSL_CERT_BASIC"}).json()["certificate_ids"]

    answer = api.post(f"{LIST}/{pk}/apply", {"domain": "www.example.com"})

    assert answer.status_code == 200
    certificate = Certificate.objects.get(pk=pk)
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION
    assert follow_ups == [("submit", Certificate, pk)]
    assert effect_of("submit", certificate, client)


def test_the_apis_other_steps_run_their_follow_ups(alice, api, follow_ups):
    withdrawn = CertificateFactory(owner=alice, domain=True)
    revoked = CertificateFactory(owner=alice, issued=True)
    deleted = CertificateFactory(owner=alice, failed=True)

    assert api.post(f"{LIST}/{withdrawn.pk}/cancel-cert").status_code == 200
    assert api.post(f"{LIST}/{revoked.pk}/revoke", {"reason": "Key lost"}).status_code == 200
    assert api.delete(f"{LIST}/{deleted.pk}").status_code == 200

    assert follow_ups == [
        ("withdraw", Certificate, withdrawn.pk),
        ("request_revocation", Certificate, revoked.pk),
        ("discard", Certificate, deleted.pk),
    ]
