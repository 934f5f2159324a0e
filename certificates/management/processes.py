"""Child processes for `make run` and `make serve`: task workers are started again when
they exit (a worker dies with its database connection during an outage, or is killed);
when any other child ends, or on Ctrl-C, all are stopped."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

RESTART_PAUSE = 2.0  # seconds before a task worker is started again


@dataclass
class Child:
    argv: list[str]
    restart: bool = False
    env: dict = field(default_factory=lambda: dict(os.environ))
    process: subprocess.Popen | None = None

    def start(self) -> "Child":
        self.process = subprocess.Popen(self.argv, env=self.env)
        return self

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None


def task_worker(env: dict | None = None) -> Child:
    manage = [sys.executable, "manage.py"]
    return Child([*manage, "task_worker"], restart=True, env=env or dict(os.environ))


def supervise(children: list[Child], *, grace: float = 10) -> None:
    """Return when a child that is not restarted exits, or on Ctrl-C; every child is
    stopped either way."""
    try:
        while True:
            for child in children:
                if not child.exited():
                    continue
                if not child.restart:
                    return
                print(
                    f"{' '.join(child.argv[-1:])} exited ({child.process.returncode}): "
                    "starting it again",
                    file=sys.stderr,
                )
                time.sleep(RESTART_PAUSE)
                child.start()
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop(children, grace=grace)


def stop(children: list[Child], *, grace: float = 10) -> None:
    running = [c.process for c in children if c.process is not None]
    for process in running:
        if process.poll() is None:
            process.terminate()
    for process in running:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
