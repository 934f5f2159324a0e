"""The console's models, one concept a module; everything is importable from here.

organization  Organization (OV/EV), verified and reused
authority     CertificateAuthority (root and issuing CA per brand), Revocation
domain        Domain (and its proof), ValidationEmail
search        SearchKey (the list's search index)
stats         StateCount, IssuanceMonth, IssuanceDay: the overviews' counts, kept by triggers
audit         ContactAttempt (the CA's phone calls)
records       Record: the one operation log (append-only): the team's records, each
              certificate's timeline, the staff's transition log (StateChange), downloads
rules         the transitions' conditions, the CAA check, what may be edited or renewed,
              what the system issues by itself
lifecycle     the state machine: transitions, run_transition(), state_entered
querysets     CertificateQuerySet: per team, search, sorts, keyset windows
certificate   Certificate (its data and Lifecycle) and the staff queues (proxies)
presenter     what pages say about a certificate, its timeline too (functions of it, and
              Shown for templates)
api           the REST API's idempotent requests and rate-limit counts
acme          the ACME server's nonces, EAB keys, accounts and orders
"""

from certificates.models.acme import (
    AcmeAccount,
    AcmeAccountKey,
    AcmeNonce,
    AcmeOrder,
    authorization_status,
)
from certificates.models.api import ApiUsage, IdempotentRequest
from certificates.models.audit import ContactAttempt
from certificates.models.authority import CertificateAuthority, Revocation
from certificates.models.certificate import (
    Certificate,
    DomainFacts,
    IssuanceQueue,
    OrganizationReview,
    RevocationRequest,
    domain_facts,
    generate_name,
)
from certificates.models.domain import Domain, ValidationEmail, new_token
from certificates.models.lifecycle import Lifecycle, state_entered
from certificates.models.organization import Organization
from certificates.models.presenter import StatusNote, TimelineEntry
from certificates.models.records import Record, StateChange, acting_as
from certificates.models.search import SearchKey
from certificates.models.stats import IssuanceDay, IssuanceMonth, StateCount

__all__ = [
    "AcmeAccount",
    "AcmeAccountKey",
    "AcmeNonce",
    "AcmeOrder",
    "ApiUsage",
    "Certificate",
    "CertificateAuthority",
    "ContactAttempt",
    "Domain",
    "DomainFacts",
    "IdempotentRequest",
    "IssuanceDay",
    "IssuanceMonth",
    "IssuanceQueue",
    "Lifecycle",
    "Organization",
    "OrganizationReview",
    "Record",
    "Revocation",
    "RevocationRequest",
    "SearchKey",
    "StateChange",
    "StateCount",
    "StatusNote",
    "TimelineEntry",
    "ValidationEmail",
    "acting_as",
    "authorization_status",
    "domain_facts",
    "generate_name",
    "new_token",
    "state_entered",
]
