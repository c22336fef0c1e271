"""No Docker engine runs here: check what can be checked of the deployment files."""

from pathlib import Path

import yaml
from django.conf import settings

BASE = Path(settings.BASE_DIR)


def test_compose_file_has_every_service_with_health_checks_and_a_named_database_volume() -> None:
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert "pgdata" in compose["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert services["web"]["environment"]["DEBUG"] == "false"


def test_compose_runs_the_same_worker_and_beat_commands_as_the_readme_demo() -> None:
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text())
    demo = (BASE / "bin" / "demo").read_text()
    assert " ".join(compose["services"]["worker"]["command"][1:4]) in demo  # -m celery -A ... worker
    assert "-m celery -A config worker" in demo and "-m celery -A config beat" in demo
    assert compose["services"]["beat"]["command"][-2] == "beat"
    assert "config.wsgi:application" in (BASE / "Dockerfile").read_text()


def test_readme_gives_the_two_setup_commands_and_every_demo_account() -> None:
    from core.demo import DEMO_ACCOUNTS

    readme = (BASE / "README.md").read_text()
    assert "bin/demo" in readme and "bin/test" in readme
    for account in DEMO_ACCOUNTS:
        assert f"`{account.username}`" in readme and f"`{account.password}`" in readme
