"""Real processes: gunicorn serving the console, task workers, and a small HTTP client with
a session of its own. For the race, load, fault and outage tests, which must go through
HTTP and separate processes, not only the ORM; and for bench/, which times the console the
same way (the one place these helpers live)."""

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from teams import session as team_session
from teams.services import own_team

ROOT = Path(__file__).resolve().parents[2]
CSRF_SECRET = "r" * 32  # any 32 letters: the cookie and the header only have to match


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_env() -> dict[str, str]:
    """Environment that points a child process at the database this test uses."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user, host = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1"
        return {"DATABASE_URL": f"postgres://{user}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"}
    return {"SQLITE_PATH": str(db["NAME"]), "DATABASE_URL": ""}


def child_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        **database_env(),
        "DJANGO_SETTINGS_MODULE": "scm_console.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "SCM_KEY_ENCRYPTION_KEY": settings.SCM_KEY_ENCRYPTION_KEY,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SCM_CHECK_CAA": "0",
        "SCM_DNS_RESOLVER": settings.SCM_DNS_RESOLVER,
        "SCM_HTTP_VALIDATION_PORT": str(settings.SCM_HTTP_VALIDATION_PORT),
        "SCM_VALIDATION_ALLOW_PRIVATE": "1",
        "SCM_AUTO_ISSUE_DV": "1" if settings.SCM_AUTO_ISSUE_DV else "0",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    if not env["DATABASE_URL"]:
        del env["DATABASE_URL"]
    return env


class Gunicorn:
    """The console under gunicorn with several worker processes, on 127.0.0.1: pointed at
    the test database (child_env), or run with the `env` given (bench/ passes its own)."""

    def __init__(
        self, workers: int = 4, *, env: dict | None = None, timeout: int = 30, **extra: str
    ) -> None:
        self.port = free_port()
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "scm_console.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(workers),
                "--graceful-timeout",
                "2",
                "--timeout",  # a request still running after this many seconds: its worker dies
                str(timeout),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env if env is not None else child_env(**extra),
            stderr=self.errors,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        """What the server wrote to stderr so far (tracebacks, "database is locked"…)."""
        self.errors.seek(0)
        return self.errors.read().decode("utf-8", "replace")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def task_workers(count: int, **env: str):
    """`count` task workers (`manage.py task_worker`, separate processes) for the duration;
    afterwards their stderr must hold no traceback and no "database is locked"."""
    logs = [tempfile.TemporaryFile() for _ in range(count)]  # noqa: SIM115 (read at the end)
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "task_worker"],
            cwd=ROOT,
            env=child_env(**{"SCM_TASK_POLL_SECONDS": "0.1", **env}),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        for log in logs
    ]
    try:
        yield workers
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        texts = []
        for log in logs:
            log.seek(0)
            texts.append(log.read().decode("utf-8", "replace"))
        # When the test failed, what the workers said is part of why: pytest shows it.
        for number, (worker, text) in enumerate(zip(workers, texts, strict=True)):
            print(f"task worker {number} (exit {worker.returncode}):\n{text}", file=sys.stderr)
    for text in texts:
        assert "database is locked" not in text, text
        assert "Traceback" not in text, text


def readme_block(name: str) -> str:
    """The README's bash block marked `<!-- name -->`, which a test runs verbatim."""
    readme = (ROOT / "README.md").read_text()
    found = re.search(rf"<!-- {name} -->\n```bash\n(.*?)```", readme, re.S)
    assert found, f"README has no {name} block"
    return found.group(1)


CERTBOT_VENV = ROOT / ".venv-certbot"


def certbot_bin() -> Path:
    """certbot from PyPI in a virtualenv of its own (.venv-certbot, pinned by
    requirements-certbot.lock), never the project's: made on first use, as a user installs it."""
    lock = (ROOT / "requirements-certbot.lock").read_text()
    stamp = CERTBOT_VENV / ".installed"
    if not stamp.is_file() or stamp.read_text() != lock:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(CERTBOT_VENV)], check=True)
        pip = [str(CERTBOT_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "-r", str(ROOT / "requirements-certbot.lock")], check=True)
        stamp.write_text(lock)
    return CERTBOT_VENV / "bin" / "certbot"


def wait_until(condition, *, timeout: float = 90, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def session_cookie(user) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[team_session.KEY] = team_session.snapshot(own_team(user))  # as a login does
    store.create()
    return store.session_key


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def messages(self) -> list[str]:
        """The texts of the page's messages (the console's and the admin's lists)."""
        found = re.findall(
            r'<li class="[^"]*(?:message|error|warning|success|info)[^"]*"[^>]*>(.*?)</li>',
            self.body,
            re.S,
        )
        return [re.sub(r"<[^>]+>", "", text).strip() for text in found]


@dataclass
class Visitor:
    """One browser: its own session (signed in as `user`, if any) and CSRF cookie."""

    port: int
    user: object = None
    cookies: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cookies["csrftoken"] = CSRF_SECRET
        if self.user is not None:
            self.cookies[settings.SESSION_COOKIE_NAME] = session_cookie(self.user)

    def request(self, method: str, path: str, data: dict | None = None, **headers: str) -> Reply:
        body = urlencode(data or {}) if method == "POST" else None
        head = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **({"X-CSRFToken": CSRF_SECRET} if method == "POST" else {}),
            **({"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}),
            **{k.replace("_", "-"): v for k, v in headers.items()},
        }
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=head)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return Reply(response.status, dict(response.getheaders()), text)

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, **headers)

    def post(self, path: str, data: dict | None = None, **headers: str) -> Reply:
        return self.request("POST", path, data, **headers)

    def follow(self, reply: Reply) -> Reply:
        """The page a redirect leads to (where its messages are shown)."""
        return self.get(reply.headers["Location"]) if reply.status in (301, 302) else reply


def as_json(reply: Reply) -> object:
    return json.loads(reply.body)


def makefile_demo_env(dns_port: int, traffic_seconds: int = 30) -> dict[str, str]:
    """The environment `make run` gives run_demo: the Makefile's DEMO_ENV, word for word,
    with its DNS port and traffic interval filled in."""
    makefile = (ROOT / "Makefile").read_text()
    found = re.search(r"^DEMO_ENV := ((?:.*\\\n)*.*)$", makefile, re.M)
    assert found, "the Makefile has no DEMO_ENV"
    text = found.group(1).replace("\\\n", " ")
    text = text.replace("$(DNS_PORT)", str(dns_port))
    text = text.replace("$(DEMO_TRAFFIC)", str(traffic_seconds))
    return dict(word.split("=", 1) for word in text.split())


class RunDemo:
    """`make run` on free ports: manage.py run_demo with the Makefile's DEMO_ENV on the test
    database, in a session of its own (as a terminal would start it), its output kept."""

    def __init__(self, *, traffic_seconds: int = 30, **extra: str) -> None:
        self.port, self.dns_port = free_port(), free_port()
        demo = makefile_demo_env(self.dns_port, traffic_seconds)
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "run_demo",
                "--addr",
                f"127.0.0.1:{self.port}",
                "--dns-port",
                str(self.dns_port),
            ],
            cwd=ROOT,
            env=child_env(**demo, **extra),
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until(self.serving, timeout=180, what=f"run_demo to serve:\n{self.log()}")
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serving(self) -> bool:
        assert self.process.poll() is None, f"run_demo exited:\n{self.log()}"
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def log(self) -> str:
        self.output.seek(0)
        return self.output.read().decode("utf-8", "replace")

    def session(self) -> list[int]:
        """Every process in run_demo's session: itself and all it started, at any depth."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # gone meanwhile
            if int(fields[3]) == self.process.pid and fields[0] != "Z":
                pids.append(int(stat.parent.name))
        return pids

    def stop(self) -> None:
        """SIGTERM to run_demo alone, as a service manager or `kill` sends it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def kill_session(self) -> None:
        """Whatever of the session is left (after a failed test): nothing stays behind."""
        self.stop()
        for pid in self.session():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.output.close()


def at_once(calls: list) -> list:
    """Run the calls in threads released together, so their requests overlap."""
    gate = threading.Barrier(len(calls))

    def run(call):
        gate.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))
