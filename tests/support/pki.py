"""pkilint (a dev dependency) as an auditor runs it, in-process: its command-line linters
with JSON output, over documents in memory. For tests/ca/test_lint.py and `make lint-pki`."""

import importlib
import io
import json
import tempfile
from contextlib import redirect_stdout
from dataclasses import dataclass

SEVERITIES = ["DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "FATAL"]


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    message: str
    where: str

    def __str__(self) -> str:
        return f"{self.severity} {self.code}" + (f": {self.message}" if self.message else "")


def run(tool: str, *args: str, document: bytes, severity: str = "WARNING") -> list[Finding]:
    """The findings of pkilint's `tool` (lint_crl, lint_ocsp_response, …) at `severity` and
    above for this document (PEM or DER)."""
    module = importlib.import_module(f"pkilint.bin.{tool}")
    with tempfile.NamedTemporaryFile(suffix=".der") as file:
        file.write(document)
        file.flush()
        out = io.StringIO()
        with redirect_stdout(out):
            module.main(["lint", *args, "-f", "JSON", "-s", severity, file.name])
    return parse(out.getvalue())


def parse(output: str) -> list[Finding]:
    found = []
    for result in json.loads(output or "{}").get("results", []):
        for description in result.get("finding_descriptions", []):
            found.append(
                Finding(
                    description["severity"],
                    description["code"],
                    description.get("message") or "",
                    result.get("node_path", ""),
                )
            )
    return found


def certificate(pem: bytes, kind: str) -> list[Finding]:
    """lint_cabf_serverauth_cert for a certificate of this type (DV-FINAL-CERTIFICATE, ROOT-CA,
    EXTERNAL-UNCONSTRAINED-TLS-CA…)."""
    return run("lint_cabf_serverauth_cert", "-t", kind, document=pem)


def chain(issuer_pem: bytes, subject_pem: bytes) -> list[Finding]:
    module = importlib.import_module("pkilint.bin.lint_pkix_signer_signee_cert_chain")
    with (
        tempfile.NamedTemporaryFile(suffix=".pem") as issuer,
        tempfile.NamedTemporaryFile(suffix=".pem") as subject,
    ):
        issuer.write(issuer_pem)
        subject.write(subject_pem)
        issuer.flush()
        subject.flush()
        out = io.StringIO()
        with redirect_stdout(out):
            module.main(["lint", "-f", "JSON", "-s", "WARNING", issuer.name, subject.name])
    return parse(out.getvalue())


def crl(der: bytes) -> list[Finding]:
    return run("lint_crl", "-t", "CRL", "-p", "BR", document=der)


def ocsp(der: bytes) -> list[Finding]:
    return run("lint_ocsp_response", document=der)
