"""The demo's jobs moved to demo/tasks.py: jobs a demo database queued under the old paths
run on under the new ones (demo/migrations/0001_demo_tasks_moved.py), and back."""

import importlib

from django.apps import apps
from django_tasks_db.models import DBTaskResult

from demo import tasks

moved = importlib.import_module("demo.migrations.0001_demo_tasks_moved")


def test_jobs_queued_under_the_old_paths_take_the_new_ones(db):
    tasks.demo_traffic_tick.enqueue(3)
    tasks.simulated_ca.enqueue(7)
    tasks.simulated_ca.enqueue(8)
    jobs = DBTaskResult.objects.all()
    for job in jobs:  # as the code before the move queued them
        old = job.task_path.replace("demo.tasks.", "certificates.tasks.")
        jobs.filter(pk=job.pk).update(task_path=old)
    assert set(jobs.values_list("task_path", flat=True)) == set(moved.MOVED)

    moved.forward(apps, None)

    assert sorted(jobs.values_list("task_path", flat=True)) == [
        "demo.tasks.demo_traffic_tick",
        "demo.tasks.simulated_ca",
        "demo.tasks.simulated_ca",
    ]
    assert sorted(job.task.name for job in jobs) == [
        "demo_traffic_tick",
        "simulated_ca",
        "simulated_ca",
    ]

    moved.backward(apps, None)
    assert set(jobs.values_list("task_path", flat=True)) == set(moved.MOVED)
