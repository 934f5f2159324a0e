"""Ids and other whole numbers read from requests are ASCII digits, through one helper
(certificates/ids.py): '²', '١' or '٣' is refused in words, never a server error and never
quietly read as 2, 1 or 3. The source is searched so that a new isdigit() fails here."""

import ast
import importlib
import inspect
import io
import pkgutil
import re
import tokenize
from pathlib import Path
from urllib.parse import quote

import pytest
from django import forms
from rest_framework import serializers

from certificates import ids
from certificates.api import fields as api_fields
from certificates.dcv import http
from certificates.models.querysets import id_in
from teams.roles import Role
from tests.api.conftest import token_for
from tests.factories import CertificateFactory
from tests.support.acme_client import BASE, new_key, post_jws, register
from tests.support.servers import RawServer

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    path
    for package in ("certificates", "teams", "scm_console")
    for path in (ROOT / package).rglob("*.py")
    if "migrations" not in path.parts
]
NOT_ASCII = ["²", "١", "٣", "१२", "１", "𝟗", "1.0", " 1 2", "0x1", "1e3", "+1", "1_0"]
# Names whose value comes from a request (or a remote server's answer).
REQUEST_NAMES = {"request", "GET", "POST", "headers", "META", "query_params", "data", "kwargs"}


@pytest.mark.parametrize("text", NOT_ASCII)
def test_only_ascii_digits_make_a_number(text):
    assert ids.number(text) is None
    assert ids.number(text, lowest=-ids.MAX_ID) is None


def test_numbers_are_bounded_by_what_a_column_holds():
    assert ids.number("9223372036854775807") == ids.MAX_ID
    assert ids.number("9223372036854775808") is None
    assert ids.number("0") is None and ids.number("0", lowest=0) == 0
    assert ids.number(True) is None and ids.number(7) == 7


def test_no_source_reads_digits_with_isdigit_or_backslash_d():
    """str.isdigit(), isdecimal(), isnumeric() and a regex's \\d all take other scripts'
    digits: ids.number() is the one reader of whole numbers."""
    found = []
    for path in SOURCES:
        if path.name == "ids.py":
            continue
        text = path.read_text()
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NAME and token.string in (
                "isdigit",
                "isdecimal",
                "isnumeric",
            ):
                found.append(f"{path.relative_to(ROOT)}:{token.start[0]} {token.string}")
            if token.type == tokenize.STRING and "\\d" in token.string:
                found.append(f"{path.relative_to(ROOT)}:{token.start[0]} \\d")
    assert not found, found


def test_no_source_calls_int_on_request_data():
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "int"
                and node.args
                and REQUEST_NAMES & _names(node.args[0])
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


def _names(node: ast.AST) -> set[str]:
    return {getattr(n, "id", None) or getattr(n, "attr", None) for n in ast.walk(node)}


def _classes(package: str, base: type) -> list[type]:
    module = importlib.import_module(package)
    names = [package]
    if hasattr(module, "__path__"):
        names += [f"{package}.{m.name}" for m in pkgutil.iter_modules(module.__path__)]
    found = []
    for name in names:
        for _, value in inspect.getmembers(importlib.import_module(name), inspect.isclass):
            if issubclass(value, base) and value.__module__.startswith(package):
                found.append(value)
    return found


def test_every_form_reads_numbers_and_ids_with_the_helper():
    found = []
    for form in _classes("certificates.forms", forms.BaseForm) + _classes(
        "teams.forms", forms.BaseForm
    ):
        for name, field in form.base_fields.items():
            stock_number = isinstance(field, forms.IntegerField) and not isinstance(
                field, ids.IntegerField
            )
            stock_choice = isinstance(field, forms.ModelChoiceField) and not isinstance(
                field, ids.ModelChoiceField
            )
            if stock_number or stock_choice:
                found.append(f"{form.__module__}.{form.__name__}.{name}")
    assert not found, found


def test_every_api_serializer_reads_numbers_with_the_helper():
    found = []
    for serializer in _classes("certificates.api", serializers.Serializer):
        for name, field in serializer().fields.items():
            field = getattr(field, "child", field)
            if isinstance(field, serializers.IntegerField) and not isinstance(
                field, api_fields.IntegerField
            ):
                found.append(f"{serializer.__name__}.{name}")
    assert not found, found


@pytest.mark.parametrize("text", ["١٢", "ID ٣", "²"])
def test_a_search_for_other_digits_names_no_id(text):
    assert id_in(text) is None
    assert id_in("ID 12") == 12


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["١", "²"])
def test_console_forms_refuse_other_digits_in_words(alice_client, alice, text):
    CertificateFactory(owner=alice)
    records = alice_client.get("/records/", {"certificate": text})
    assert records.status_code == 200
    assert "Enter a whole number" in records.content.decode()
    for team in (text, "9" * 30):
        assert alice_client.post("/teams/switch/", {"team": team}).status_code < 500


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["١", "²", "1.0"])
def test_api_query_numbers_in_other_digits_are_a_400(alice, text):
    _, api = token_for(alice, Role.FULL_ACCESS)
    response = api.get("/v3/scm/certificates", {"limit": text})
    assert response.status_code == 400
    assert response.json()["error_code"].startswith("SCM.")


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["١", "²", "99999999999999999999"])
def test_acme_kids_and_cursors_in_other_digits_are_problems(client, alice, text):
    registered = register(alice)
    kid = registered.account.uri
    foreign_kid = post_jws(client, "/acme/new-order", {}, new_key(), kid=f"{BASE}/acme/acct/{text}")
    assert (foreign_kid.status_code, foreign_kid.problem) == (400, "accountDoesNotExist")
    orders = f"{kid.removeprefix(BASE)}/orders?after={quote(text)}"
    cursor = post_jws(client, orders, None, registered.key, kid=kid)
    assert (cursor.status_code, cursor.problem) == (400, "malformed")


@pytest.mark.parametrize("length", ["²", "١", "-1", "1e3"])
def test_a_content_length_in_other_digits_is_no_crash(settings, dns_zone, length):
    settings.SCM_VALIDATION_ALLOW_PRIVATE = True
    dns_zone.a("shop.example.com")

    def answer(server, connection) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
        server.send(connection, head.encode("latin-1", "replace") + b"nope")

    server = RawServer(answer)
    settings.SCM_HTTP_VALIDATION_PORT = server.port
    try:
        result = http.check_file("shop.example.com", "a" * 40)
    finally:
        server.stop()
    assert not result.ok and result.message


def _int_routes(patterns, prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            routes += _int_routes(pattern.url_patterns, route)
        elif "<int:" in route:
            routes.append(route)
    return routes


@pytest.mark.django_db
def test_every_id_in_a_url_too_large_for_a_column_is_no_server_error(alice_client, alice):
    """Django's <int:> takes ASCII digits only, but any number of them."""
    from django.urls import get_resolver

    routes = _int_routes(get_resolver().url_patterns)
    assert len(routes) > 10
    for route in routes:
        path = "/" + re.sub(r"<int:\w+>", "9" * 30, re.sub(r"<(?:slug|str):\w+>", "x", route))
        for answer in (alice_client.get(path), alice_client.post(path)):
            assert answer.status_code < 500, (path, answer.status_code)
