"""Child processes for `make run` and `make serve`: wait until one ends or Ctrl-C, then
stop them all."""

import subprocess
import time


def supervise(children: list[subprocess.Popen], *, grace: float = 10) -> None:
    """Return when a child exits or on Ctrl-C; every child is stopped either way."""
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop(children, grace=grace)


def stop(children: list[subprocess.Popen], *, grace: float = 10) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            child.kill()
