"""Staff groups that split the CA's duties (SPEC §1): validation, issuance, revocation."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COMMON = ["view_certificate", "change_certificate", "view_domain", "view_transitionlog"]
GROUPS = {
    "Validation": [*COMMON, "validate_certificate"],
    "Issuance": [*COMMON, "issue_certificate"],
    "Revocation": [*COMMON, "revoke_certificate"],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make them exist now.
    app_config = apps.get_app_config("certificates")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="certificates", codename__in=codenames
            )
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
