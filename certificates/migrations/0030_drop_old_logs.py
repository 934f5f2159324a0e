"""The transition log and the download records are operation records now (0028, 0029)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("certificates", "0029_logs_into_records")]

    operations = [
        migrations.DeleteModel(name="DownloadRecord"),
        migrations.DeleteModel(name="TransitionLog"),
    ]
