"""Every decision staff can take on every admin page that shows a certificate (the
certificates and each queue) runs its follow-up: pressed as a browser does, through the
change page's `_fsm_transition_to` and the step's form."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.test import Client

from certificates.actions import ACTIONS, CONFIRM_REVOCATION_FORM, REASON_FORM
from certificates.choices import Status
from certificates.models import CertificateAuthority, RevocationRequest, StateChange
from tests.support.admin_forms import FormInputs
from tests.support.follow_ups import (
    CERTIFICATE_CLASSES,
    REASON,
    effect_of,
    on_served_crl,
    ready_for,
)
from tests.support.pages import client_for

STAFF_STEPS = sorted(
    name for name, action in ACTIONS.items() if not action.owner and not action.system_only
)


def page_of(model: type) -> str:
    return f"/admin/certificates/{model._meta.model_name}"


def decide(client: Client, model: type, certificate, name: str):
    """Press the step's button on the page's change form, then answer its form if it asks."""
    change = f"{page_of(model)}/{certificate.pk}/change/"
    parser = FormInputs()
    parser.feed(client.get(change).text)
    pressed = client.post(change, {**parser.data, "_fsm_transition_to": name})
    assert pressed.status_code == 302
    form = ACTIONS[name].admin_form
    if not form:
        return pressed
    assert pressed.url == f"{page_of(model)}/{certificate.pk}/transition/{name}/"
    answer = {REASON_FORM: {"reason": REASON}, CONFIRM_REVOCATION_FORM: {"confirm": "on"}}[form]
    return client.post(pressed.url, answer)


def test_the_staff_steps_are_every_step_staff_take():
    assert STAFF_STEPS == [
        "approve_revocation",
        "complete_withdrawal",
        "deny_revocation",
        "issue",
        "reject",
        "verify_domains",
        "verify_organization",
    ]


@pytest.mark.parametrize("model", CERTIFICATE_CLASSES, ids=lambda m: m.__name__)
@pytest.mark.parametrize("name", STAFF_STEPS)
def test_every_decision_on_every_admin_page_runs_its_follow_up(
    staff, staff_client, client, alice, follow_ups, name, model
):
    certificate = ready_for(name, alice)
    follow_ups.clear()

    done = decide(staff_client, model, certificate, name)

    assert done.status_code == 302
    assert StateChange.objects.filter(certificate=certificate, action=name, actor=staff)
    assert follow_ups == [(name, model, certificate.pk)]
    assert effect_of(name, certificate, client)


def ocsp_answer(client: Client, certificate) -> ocsp.OCSPResponse:
    issuer = CertificateAuthority.objects.get(pk=certificate.issuer_id)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(
            x509.load_pem_x509_certificate(certificate.certificate_pem.encode()),
            x509.load_pem_x509_certificate(issuer.certificate_pem.encode()),
            hashes.SHA256(),
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    answer = client.post("/ocsp/", request, content_type="application/ocsp-request")
    return ocsp.load_der_ocsp_response(answer.content)


def test_a_revocation_approved_in_its_queue_is_on_the_served_crl_at_once(revoker, client, alice):
    certificate = ready_for("approve_revocation", alice)
    assert not on_served_crl(client, certificate)  # the CA keeps this CRL for a day

    done = decide(client_for(revoker), RevocationRequest, certificate, "approve_revocation")

    assert done.url == "/admin/certificates/revocationrequest/"
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKED
    assert on_served_crl(client, certificate)
    assert ocsp_answer(client, certificate).certificate_status == ocsp.OCSPCertStatus.REVOKED
