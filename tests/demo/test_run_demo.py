"""`make run` as a process (manage.py run_demo): SIGTERM stops the web server, the task
worker and the demo DNS as Ctrl-C does, and it is quiet unless asked."""

import socket
import time

import pytest

from tests.support.processes import RunDemo, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]


def port_is_free(port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_sigterm_stops_every_process_and_frees_the_ports():
    demo = RunDemo(traffic_seconds=0)
    try:
        started = demo.session()
        # run_demo, the demo DNS, the task worker, runserver and its autoreloaded server.
        assert len(started) >= 5, demo.log()
        assert not port_is_free(demo.port, socket.SOCK_STREAM)
        assert not port_is_free(demo.dns_port, socket.SOCK_DGRAM)
        demo.stop()
        wait_until(lambda: not demo.session(), timeout=30, what="every child to exit")
        assert port_is_free(demo.port, socket.SOCK_STREAM)
        assert port_is_free(demo.dns_port, socket.SOCK_DGRAM)
    finally:
        demo.kill_session()


def test_the_banner_is_not_buried_by_task_and_request_lines():
    demo = RunDemo(traffic_seconds=0, SCM_TASK_POLL_SECONDS="0.2")
    try:
        with socket.create_connection(("127.0.0.1", demo.port)) as http:
            http.sendall(b"GET /accounts/login/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            assert http.recv(12).startswith(b"HTTP/1.")
        time.sleep(3)  # the worker runs the seed's queued tasks meanwhile
        log = demo.log()
        assert "SCM Console demo on" in log
        assert "Task id=" not in log
        assert "GET /accounts/login/" not in log
    finally:
        demo.kill_session()
