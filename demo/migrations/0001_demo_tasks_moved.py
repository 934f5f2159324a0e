"""The demo's jobs moved from certificates/tasks.py to demo/tasks.py: jobs already queued
(the demo traffic's next tick, a simulated CA's decision) keep their place under the new
path, so a demo database from before runs on instead of failing them."""

from django.db import migrations

MOVED = {
    "certificates.tasks.simulated_ca": "demo.tasks.simulated_ca",
    "certificates.tasks.demo_traffic_tick": "demo.tasks.demo_traffic_tick",
}


def forward(apps, schema_editor, moves=MOVED):
    jobs = apps.get_model("django_tasks_database", "DBTaskResult").objects
    for old, new in moves.items():
        jobs.filter(task_path=old).update(task_path=new)


def backward(apps, schema_editor):
    forward(apps, schema_editor, moves={new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [("django_tasks_database", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
