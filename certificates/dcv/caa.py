"""CAA before issuance (RFC 8659): records that name other CAs only stop it, and a lookup
that fails makes it wait."""

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
from django.conf import settings

from certificates.dcv.lookup import dns_reason, resolver
from certificates.exceptions import CAALookupFailed


def caa_refusal(names: list[str]) -> str | None:
    """Why CAA forbids this CA to issue for these names, or None when it may (RFC 8659)."""
    identities = {identity.lower() for identity in settings.SCM_CAA_IDENTITIES}
    for name in names:
        wildcard = name.startswith("*.")
        found = _relevant_caa(name.removeprefix("*."))
        if found is None:
            continue
        owner, records = found
        tag = "issuewild" if wildcard and any(r.tag == b"issuewild" for r in records) else "issue"
        issuers = [
            r.value.decode("ascii", "replace").split(";", 1)[0].strip().lower()
            for r in records
            if r.tag.decode("ascii", "replace").lower() == tag
        ]
        if not issuers:
            continue  # only iodef or other tags: no restriction
        if identities & set(issuers):
            continue
        allowed = ", ".join(sorted(i for i in issuers if i)) or "no CA at all"
        return (
            f"The CAA record of {owner} allows {allowed} to issue for {name}, not this CA. "
            f'Add “{owner}. CAA 0 {tag} "{sorted(identities)[0]}"” or remove the record.'
        )
    return None


def _relevant_caa(name: str) -> tuple[str, list] | None:
    """The CAA RRset found climbing from the name towards the root, or None."""
    labels = dns.name.from_text(name)
    while len(labels) > 1:
        try:
            answer = resolver().resolve(labels, "CAA", raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            answer = None
        # RFC 8659 §3: a lookup that fails (not "no records") must stop issuance.
        except dns.exception.Timeout:
            raise CAALookupFailed(f"The CAA lookup of {labels.to_text(True)} timed out.") from None
        except dns.exception.DNSException as error:
            raise CAALookupFailed(
                f"The CAA lookup of {labels.to_text(True)} failed: {dns_reason(error)}."
            ) from None
        records = [r for r in answer or [] if r.rdtype == dns.rdatatype.CAA]
        if records:
            return labels.to_text(omit_final_dot=True), records
        labels = labels.parent()
    return None
