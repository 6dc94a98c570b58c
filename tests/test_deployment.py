"""The deployment files agree with what the app reads (images cannot be built here, so their
consistency is what can be checked): services, ports, health checks, variables, the non-root user."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
CADDYFILE = (ROOT / "deploy" / "Caddyfile").read_text()


def app_sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in [*(ROOT / "addrmig").rglob("*.py"),
                                                            *(ROOT / "pages").glob("*.py"), ROOT / "app.py"])


def test_compose_runs_postgres_two_app_replicas_and_a_proxy():
    services = COMPOSE["services"]
    assert {"db", "app1", "app2", "proxy"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    for name in ("app1", "app2"):
        assert services[name]["build"] == "."
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["proxy"]["ports"] == ["8080:80"]


def test_every_variable_compose_sets_is_one_the_app_reads_and_the_database_is_the_db_service():
    sources = app_sources()
    for name in ("app1", "app2"):
        environment = COMPOSE["services"][name]["environment"]
        for variable in environment:
            assert variable in sources, f"{variable} is set in compose.yaml but read nowhere"
        url = environment["ADDRMIG_DATABASE_URL"]
        assert re.match(r"postgresql://addrmig:\$\{POSTGRES_PASSWORD[^}]*\}@db:5432/addrmig$", url)
    db = COMPOSE["services"]["db"]["environment"]
    assert (db["POSTGRES_USER"], db["POSTGRES_DB"]) == ("addrmig", "addrmig")


def test_the_proxy_sends_to_both_replicas_on_the_port_the_image_listens_on_with_sticky_sessions():
    port = re.search(r'"--server.port", "(\d+)"', DOCKERFILE).group(1)
    assert f"EXPOSE {port}" in DOCKERFILE
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", CADDYFILE).group(1).split()
    assert upstreams == [f"app1:{port}", f"app2:{port}"]
    assert re.search(r"lb_policy cookie \w+", CADDYFILE)  # a browser stays on the replica it started on
    assert "health_uri /_stcore/health" in CADDYFILE


def test_the_image_runs_the_app_as_a_user_of_its_own_with_a_health_check():
    assert re.search(r"^FROM python:3\.\d+-slim", DOCKERFILE, re.M)
    assert re.search(r"^USER (?!root)\w+", DOCKERFILE, re.M)
    assert "HEALTHCHECK" in DOCKERFILE and "/_stcore/health" in DOCKERFILE
    assert '"--server.address", "0.0.0.0"' in DOCKERFILE and '"app.py"' in DOCKERFILE
    assert "COPY requirements.txt" in DOCKERFILE  # the image installs what the app needs


def test_the_secrets_example_names_the_settings_sign_in_needs():
    example = (ROOT / "deploy" / "secrets.example.toml").read_text()
    for key in ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url",
                "allowed_users"):
        assert key in example
    assert ".streamlit/secrets.toml" in " ".join(v for s in ("app1", "app2")
                                                 for v in COMPOSE["services"][s]["volumes"])


def test_the_server_log_check_lets_through_only_streamlits_own_disconnect_race():
    from browser import ours

    race = (Path(__file__).parent / "fixtures" / "logs" / "websocket_disconnect_race.log").read_text()
    assert "Traceback" in race and "Traceback" not in ours(race)
    assert "Uvicorn server started" in ours(race) and "Stopping..." in ours(race)
    ours_failing = race.replace("starlette.websockets.WebSocketDisconnected: Cannot call", "KeyError: Cannot call")
    assert "Traceback" in ours(ours_failing)  # any other exception in the record is ours to see
    app_error = race + ("Exception in ASGI application\nTraceback (most recent call last):\n"
                        '  File "/srv/app.py", line 3, in <module>\nValueError: boom\n')
    assert "ValueError: boom" in ours(app_error)
