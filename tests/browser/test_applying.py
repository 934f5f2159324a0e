"""The application form with JavaScript on: a pasted CSR fills in the domains it names."""

import pytest

from certificates.choices import DomainType, Status
from tests.factories import CertificateFactory, make_csr
from tests.support.browsing import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("no_csp_violations"),
]


def test_pasting_a_csr_fills_in_its_domains_before_submitting(browser, live_server, people):
    alice, _ = people
    certificate = CertificateFactory(
        owner=alice, primary_domain="", domain_type=DomainType.MULTIPLE, additional_domain_slots=2
    )
    page = log_in(browser, live_server, "alice")
    page.goto(f"{live_server.url}/certificates/{certificate.pk}/apply/")
    page.get_by_label("My own CSR").check()
    page.locator("#id_csr_text").fill(make_csr(["www.example.com", "example.com"]))

    # The fields fill in by themselves, and the page says where the names came from.
    note = page.locator("#domain-check [data-note]", has_text="Filled in from your CSR")
    note.wait_for()
    assert page.locator("#id_primary_domain").input_value() == "www.example.com"
    assert page.locator("#id_additional_domains").input_value() == "example.com"

    page.get_by_role("button", name="Submit application").click()
    page.wait_for_url(f"**/certificates/{certificate.pk}/")
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION
    assert certificate.domain_names == ["www.example.com", "example.com"]
