"""Child processes for `make run` and `make serve`: task workers are started again when
they exit (a worker dies with its database connection during an outage, or is killed);
when any other child ends, on Ctrl-C or on SIGTERM, all are stopped, each with whatever it
started (runserver's autoreloader runs the server in a process of its own)."""

import contextlib
import os
import signal
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
        # A process group of its own, so that stop() reaches what it started too; Ctrl-C
        # reaches the supervisor alone, which stops every group.
        self.process = subprocess.Popen(self.argv, env=self.env, process_group=0)
        return self

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None


def task_worker(env: dict | None = None) -> Child:
    manage = [sys.executable, "manage.py"]
    return Child([*manage, "task_worker"], restart=True, env=env or dict(os.environ))


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop_on_sigterm() -> None:
    """SIGTERM (a service manager, `kill`) and SIGHUP (the terminal closed) stop the
    supervisor as Ctrl-C does, its children with it, instead of leaving them running."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)


def supervise(children: list[Child], *, grace: float = 10) -> None:
    """Return when a child that is not restarted exits, on Ctrl-C or on SIGTERM; every
    child is stopped either way."""
    stop_on_sigterm()
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
    """SIGTERM to each child's process group, SIGKILL to those still there after `grace`."""
    running = [c.process for c in children if c.process is not None]
    for process in running:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in running:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is gone already
        os.killpg(process.pid, signum)
