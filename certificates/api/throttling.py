"""The API's rate limit as DRF's throttle: a request refused by the per-token limit
(services/limits.py count_api_request) is DRF's 429 with Retry-After, in SCM's shape
(errors.py)."""

from rest_framework import throttling
from rest_framework.request import Request

from certificates.exceptions import Limited
from certificates.services import limits


class PerToken(throttling.BaseThrottle):
    def allow_request(self, request: Request, view) -> bool:
        if request.auth is None:
            return True  # refused as unauthenticated anyway
        try:
            limits.count_api_request(request.auth.pk)
        except Limited as limited:
            self.wait_seconds = limited.retry_after
            return False
        return True

    def wait(self) -> float:
        return self.wait_seconds
