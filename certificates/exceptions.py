"""What the console refuses, named for what happened. Every message is in the words of the
person who asked, and nothing was changed when one is raised."""


class Refused(Exception):
    """Something asked for was not done; the message says why."""


class TransitionRefused(Refused):
    """A state change that was not applied: wrong state, a condition not met, no
    permission, or another change came first."""


class CAAForbids(TransitionRefused):
    """A CAA record names other CAs only: this CA must not issue (RFC 8659)."""


class CAAUnavailable(TransitionRefused):
    """CAA could not be looked up; issuance waits and is tried again."""


class UnknownAction(TransitionRefused, LookupError):
    """A transition asked for by a name no transition has."""


class EditRefused(Refused):
    """A staff member's edit of a certificate's fields that was not applied."""


class NotEditable(Refused):
    """The application was submitted: it can only change after a withdrawal."""


class NotRenewable(Refused):
    """Only issued or expired certificates can be renewed."""


class QuotaExceeded(Refused):
    """No test certificates left in this team."""


class MethodRefused(Refused):
    """A way of proving control of a domain that is not open to it, or a validation email
    address that is not one of those offered."""


class LinkRefused(Refused):
    """An emailed validation link that cannot be used."""


class Limited(Refused):
    """Refused for now; `retry_after` says in how many seconds it will be allowed."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(int(retry_after), 1)


class NothingToVerify(Refused):
    """Verify now, with no domain pending verification."""


class VerifyingElsewhere(Refused):
    """Verify now while another request is checking the same domains."""


class BundleRefused(Refused):
    """A download bundle that cannot be built for this certificate."""


class CSRError(ValueError):
    """A CSR that cannot be used; the message says which rule it breaks."""


class CAALookupFailed(Exception):
    """The CAA records could not be looked up; issuance must wait."""


class AcmeKeyRefused(Refused):
    """An ACME key (EAB) that was not made or deleted; the message says why."""


class AcmeRefused(Refused):
    """An ACME request the server will not carry out: `problem` is its RFC 8555 error type
    (badCSR, rejectedIdentifier, rateLimited…), the message its detail."""

    def __init__(
        self, problem: str, detail: str, *, retry_after: int | None = None, location: str = ""
    ) -> None:
        super().__init__(detail)
        self.problem = problem
        self.retry_after = retry_after
        self.location = location

    @classmethod
    def rate_limited(cls, limited: Limited) -> "AcmeRefused":
        """A rate limit's refusal as ACME says it: `rateLimited`, with its Retry-After."""
        return cls("rateLimited", str(limited), retry_after=limited.retry_after)
