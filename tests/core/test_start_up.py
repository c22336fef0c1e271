"""Starting the demo as a new user does: manage.py without setting anything, bin/setup that installs once, and
Ctrl-C that stops every process bin/demo started, even one stuck in its shutdown."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)


def _environment_without(*names: str) -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in names}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE, env=env, capture_output=True, text=True, timeout=120
    )


def test_manage_py_runs_on_a_developer_machine_with_nothing_set() -> None:
    env = _environment_without("DEBUG", "SECRET_KEY")
    done = _manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("True")


def test_manage_py_keeps_debug_off_where_a_secret_key_is_set() -> None:
    env = {**_environment_without("DEBUG"), "SECRET_KEY": "a-deployment-key-" + "x" * 40}
    done = _manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("False")


def _fake_project(tmp_path: Path) -> Path:
    """A copy of bin/setup beside a pyproject.toml and a .venv whose python only logs how it was called."""
    (tmp_path / "bin").mkdir()
    shutil.copy(BASE / "bin" / "setup", tmp_path / "bin" / "setup")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\necho "$*" >> "{tmp_path}/pip.log"\n')
    python.chmod(0o755)
    return tmp_path


def _setup(project: Path, *args: str) -> list[str]:
    subprocess.run(["bash", str(project / "bin" / "setup"), *args], check=True, timeout=60)
    log = project / "pip.log"
    return log.read_text().splitlines() if log.exists() else []


def test_bin_setup_installs_again_only_when_pyproject_or_the_extras_change(tmp_path: Path) -> None:
    project = _fake_project(tmp_path)
    assert len(_setup(project)) == 2  # pip upgraded, the project installed
    assert len(_setup(project)) == 2  # nothing changed: no install
    assert len(_setup(project, "[dev]")) == 4  # other extras
    (project / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "2"\n')
    assert len(_setup(project)) == 6


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_stops_every_process_even_one_that_ignores_its_shutdown_signal(tmp_path: Path) -> None:
    script = tmp_path / "demo.sh"
    script.write_text(
        "set -euo pipefail\n"
        f". {BASE / 'bin' / 'processes.sh'}\n"
        "trap processes_stop INT TERM EXIT\n"
        "processes_start sleep 300\n"
        # A worker stuck in its warm shutdown: it ignores SIGTERM.
        "processes_start bash -c 'trap \"\" TERM; sleep 300; sleep 300'\n"
        'echo "started ${processes_pids[*]}"\n'
        "wait -n || true\n"
    )
    demo = subprocess.Popen(
        ["bash", str(script)],
        env={**os.environ, "PROCESSES_GRACE": "2"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    groups = [int(pid) for pid in demo.stdout.readline().split()[1:]]
    assert len(groups) == 2 and all(_group_alive(group) for group in groups)
    started = time.monotonic()
    demo.send_signal(signal.SIGINT)
    demo.wait(timeout=30)
    assert time.monotonic() - started < 10  # the grace period, then SIGKILL
    deadline = time.monotonic() + 5
    while any(_group_alive(group) for group in groups) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_group_alive(group) for group in groups)
