"""The README's screenshots, taken from the demo in a real browser so they stay true:
`make screenshots` seeds a throwaway SQLite database, serves it on 127.0.0.1 and drives
Debian's Chromium through Playwright (never a downloaded browser)."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SHOTS = {
    # file: (path, viewport width, height, who)
    "static/readme-list.png": ("/certificates/?q=demo-ov&sort=status", 1280, 820, "alice"),
    "static/readme-list-phone.png": ("/certificates/?q=demo-ov&sort=status", 390, 844, "alice"),
    "static/readme-overview.png": ("/overview/", 1280, 1180, "alice"),
    "static/readme-staff-overview.png": ("/admin/", 1280, 1100, "staff"),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    if not Path(CHROMIUM).exists():
        sys.exit(f"No Chromium at {CHROMIUM}: apt-get install chromium")
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "SQLITE_PATH": str(Path(scratch) / "demo.sqlite3"),
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "scm_console.settings",
        }
        env.pop("DATABASE_URL", None)
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            shoot(base)
        finally:
            server.terminate()
            server.wait(timeout=10)


def shoot(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, (path, width, height, who) in SHOTS.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", who)
            page.fill("#id_password", "demo")
            page.locator("form [type=submit]").click()
            page.wait_for_load_state()
            page.goto(f"{base}{path}")
            page.screenshot(path=str(ROOT / name))
            print(f"wrote {name} ({width}×{height})")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
