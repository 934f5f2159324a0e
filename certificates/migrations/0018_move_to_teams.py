"""Teams (SPEC §9), step 2 of 3: every user who has certificates, organizations or
validation emails gets a team of their own, named after them, as its Administrator, and
their rows move to it: nothing is lost, and the list looks the same to a single user. Set
based (one UPDATE a table), so it takes seconds at a million certificates."""

from django.conf import settings
from django.db import migrations
from django.db.models import OuterRef, Subquery

BATCH = 1000


def move_to_teams(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Team = apps.get_model("teams", "Team")
    Membership = apps.get_model("teams", "Membership")
    Certificate = apps.get_model("certificates", "Certificate")
    Organization = apps.get_model("certificates", "Organization")
    SearchKey = apps.get_model("certificates", "SearchKey")
    ValidationEmail = apps.get_model("certificates", "ValidationEmail")

    owners = set()
    for model in (Certificate, Organization, ValidationEmail):
        owners.update(model.objects.order_by().values_list("owner_id", flat=True).distinct())
    users = list(
        User.objects.filter(pk__in=owners)
        .exclude(memberships__isnull=False)
        .order_by("pk")
        .values_list("pk", "username")
    )
    for start in range(0, len(users), BATCH):
        chunk = users[start : start + BATCH]
        teams = Team.objects.bulk_create(Team(name=username[:100]) for _, username in chunk)
        Membership.objects.bulk_create(
            Membership(team_id=team.pk, user_id=pk, role="administrator")
            for (pk, _), team in zip(chunk, teams, strict=True)
        )

    def own_team(owner_column: str):
        first = Membership.objects.filter(user_id=OuterRef(owner_column), role="administrator")
        return Subquery(first.order_by("team_id").values("team_id")[:1])

    for model in (Certificate, Organization, ValidationEmail):
        model.objects.filter(team__isnull=True).update(team_id=own_team("owner_id"))
    of_certificate = Certificate.objects.filter(pk=OuterRef("certificate_id")).values("team_id")
    SearchKey.objects.filter(team__isnull=True).update(team_id=Subquery(of_certificate[:1]))


def back_to_owners(apps, schema_editor):
    """Going back keeps each row's owner (never removed before step 3); teams stay."""


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0017_teams_and_records"),
        ("teams", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(move_to_teams, back_to_owners)]
