"""The admin's change form as a browser submits it: its inputs read from the page
(FormInputs), and a transition button pressed (press, through Django's test client;
change_form, through a Visitor of a running gunicorn). The organization-verification and
issuance walks of tests/admin/ and tests/live/ share it."""

from html.parser import HTMLParser

from django.test import Client

from tests.support.processes import Visitor


class FormInputs(HTMLParser):
    """The values a browser would submit from the admin's change form (no button)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self.in_form = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self.in_form = True
        elif self.in_form and tag == "input" and attrs.get("name"):
            checkbox = attrs.get("type") == "checkbox"
            if checkbox and "checked" not in attrs:
                return
            self.data[attrs["name"]] = attrs.get("value") or ("on" if checkbox else "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False


def change_url(certificate) -> str:
    return f"/admin/certificates/certificate/{certificate.pk}/change/"


def press(client: Client, certificate, transition: str):
    """Press a transition button on the change page, as a browser would."""
    page = client.get(change_url(certificate))
    assert page.status_code == 200
    parser = FormInputs()
    parser.feed(page.text)
    return client.post(change_url(certificate), {**parser.data, "_fsm_transition_to": transition})


def change_form(visitor: Visitor, certificate) -> tuple[str, dict]:
    url = f"/admin/certificates/certificate/{certificate.pk}/change/"
    page = visitor.get(url)
    assert page.status == 200
    parser = FormInputs()
    parser.feed(page.body)
    return url, parser.data
