"""Every URL pattern of the project, found by walking the URLconf (a new view is covered by
the URL-by-person matrix, tests/test_authorization.py, the day it is added), and the area
each belongs to."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Console pages that need no login: the link emailed to a domain's administrator.
PUBLIC_CONSOLE = {"certificates:verify-email"}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the route itself when the pattern has no name
    route: str

    @property
    def area(self) -> str:
        if self.name.startswith("admin:") or self.route.startswith("admin/"):
            return "admin"
        if self.name.startswith("ca:") or self.name.startswith("bench"):
            return "public"
        if self.name in ("api:schema", "api:docs"):
            return "public"  # the OpenAPI schema and its docs: the same for everyone
        if self.name.startswith("api:"):
            return "api"  # answered to an API token (X-Auth-Token), never to a session
        if self.name.startswith("acme:"):
            return "acme"  # answered to a signed JWS (RFC 8555), never to a session
        if self.name in PUBLIC_CONSOLE or self.route.startswith("accounts/"):
            return "accounts" if self.route.startswith("accounts/") else "public"
        return "console"


def routes() -> list[Route]:
    found = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if pattern.name is None:
                    name = route
                found.append(Route(name, route))

    walk(get_resolver().url_patterns, "", None)
    # "" is the redirect to the list; api:no-endpoint is what /v3/ answers for a path no route
    # takes (a JSON 404 to everyone: tests/hostile/test_api_shape.py).
    return [r for r in found if r.route and r.name != "api:no-endpoint"]
