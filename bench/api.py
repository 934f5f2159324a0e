"""The REST API in `make bench`: the tenant team's list through a FullAccess token (first
page of 10, a status filter, a search) next to a token-authenticated hello-world, which
checks and counts the token like every API request and does nothing else."""

KINDS = ("api_list", "api_filter", "api_search")


def kinds(base: str, seeded: dict, family_domain: str) -> dict:
    """The API's requests to time, as bench/run.py's kinds: (url, cookie, headers)."""
    from teams.roles import Role
    from teams.tokens import create_token

    _, raw = create_token(seeded["team"], "bench", Role.FULL_ACCESS, by=seeded["tenant"])
    token = {"X-Auth-Token": raw}
    url = f"{base}/v3/scm/certificates"
    return {
        "api_list": (f"{url}?limit=10", "", token),
        "api_filter": (f"{url}?limit=10&status=ISSUED", "", token),
        "api_search": (f"{url}?limit=10&search={family_domain}", "", token),
        "api_hello": (f"{base}/bench/api-hello/", "", token),
    }


def rows_shown(kinds: dict, read) -> dict:
    """How many certificates each API list answers: the same page at every size."""
    import json

    return {
        kind: len(json.loads(read(url, "", headers))["certificates"])
        for kind, (url, _, headers) in kinds.items()
        if kind in KINDS
    }


def targets(results: list[dict]) -> list[tuple[str, bool]]:
    """Each API list at the largest size within 1.2x of the smallest; a list of 10 within
    2x the token hello-world at every size."""
    m = lambda r, k: r["median_ms"][k]  # noqa: E731
    smallest, largest = results[0], results[-1]
    found = []
    for kind in KINDS:
        ratio = m(largest, kind) / m(smallest, kind)
        shown = (smallest["rows"][kind], largest["rows"][kind])
        found.append(
            (
                f"{kind} at {largest['size']:,} ≤ 1.2× at {smallest['size']:,}: {ratio:.2f}× "
                f"({shown[0]} rows and {shown[1]}: the same page wanted)",
                ratio <= 1.2 and shown[0] == shown[1] == 10,
            )
        )
    for r in results:
        ratio = m(r, "api_list") / m(r, "api_hello")
        found.append((f"api_list / api_hello at {r['size']:,} ≤ 2×: {ratio:.2f}×", ratio <= 2))
    return found
