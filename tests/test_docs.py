"""The user guide in docs/: the README sends a clone there (not to a spec it does not have),
every link in them leads to a file of the repository, and what the guide says of states,
progress and the API's status codes is what the console does."""

import re

from certificates.api.serializers import SCM_STATUS
from certificates.choices import Status
from tests.support.processes import ROOT

DOCS = ROOT / "docs"
PAGES = ["README.md", "states.md", "applying.md", "issuance.md", "teams.md", "api.md", "acme.md"]


def links(path) -> list[str]:
    return re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text())


def test_the_readme_links_the_guide_and_nothing_outside_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert "../shared" not in readme and "SPEC" not in readme.replace("SCM_SPECIAL", "")
    assert "docs/README.md" in links(ROOT / "README.md")


def test_every_page_of_the_guide_is_linked_and_every_link_leads_somewhere():
    assert sorted(p.name for p in DOCS.glob("*.md")) == sorted(PAGES)
    index = links(DOCS / "README.md")
    for page in PAGES[1:]:
        assert page in index
    for source in [ROOT / "README.md", *(DOCS / page for page in PAGES)]:
        for target in links(source):
            if target.startswith(("http://", "https://")):
                continue
            assert (source.parent / target).exists(), f"{source.name} links {target}"


def test_the_guide_names_each_state_with_its_wording_progress_and_api_code():
    states = (DOCS / "states.md").read_text()
    api = (DOCS / "api.md").read_text()
    for status in Status:
        if status == Status.DELETED:
            continue
        progress = f"{status.progress}%" if status.progress is not None else "—"
        row = re.search(rf"^\| `{status.value}` \| (.+?) \| (.+?) \|$", states, re.M)
        assert row, status
        assert row.group(1) == status.label and row.group(2).startswith(progress), row.group(0)
        assert f"| `{SCM_STATUS[status]}` | {status.label} |" in api
