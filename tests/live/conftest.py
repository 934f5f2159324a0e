"""What the live tests share: gunicorn with four workers on the test database, and the
demo's DNS server as a child process."""

import subprocess
import sys

import pytest

from tests.support.processes import ROOT, Gunicorn, child_env, free_port


@pytest.fixture
def server(settings):
    running = Gunicorn(workers=4)
    yield running
    running.stop()


@pytest.fixture
def demo_dns():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "demo_dns", "--port", str(port), "--delay", "0"],
        cwd=ROOT,
        env=child_env(DEBUG="1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield f"127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)
