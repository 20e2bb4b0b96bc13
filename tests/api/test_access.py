"""Bearer tokens and roles on every write route, the audit log, and the insecure-listen rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelmonitor.api.server import check_exposure, is_loopback, parse_listen
from modelmonitor.cli.main import app
from modelmonitor.errors import ConfigurationError
from modelmonitor.service.access import AccessControl, Role
from tests.api.conftest import Api, make_service

# Each write route and the least role it needs. Bodies are valid enough to pass validation, so the role
# check is what answers (a role that may call it then gets the route's own answer, e.g. 404 or 409).
WRITES: list[tuple[str, str, dict[str, object] | None, str]] = [
    ("POST", "/api/v1/endpoints", {"name": "e2", "capture_destination": "/tmp/x"}, "admin"),
    ("DELETE", "/api/v1/endpoints/nope", None, "admin"),
    (
        "POST",
        "/api/v1/schedules",
        {"name": "s", "definition": {"input_kind": "endpoint", "endpoint_name": "nope"}},
        "admin",
    ),
    ("PATCH", "/api/v1/schedules/nope", {"expression": "NOW"}, "admin"),
    ("DELETE", "/api/v1/schedules/nope", None, "admin"),
    ("POST", "/api/v1/schedules/nope/start", None, "operator"),
    ("POST", "/api/v1/schedules/nope/stop", None, "operator"),
    ("POST", "/api/v1/schedules/nope/executions", {}, "operator"),
    ("POST", "/api/v1/executions/999/stop", None, "operator"),
    (
        "POST",
        "/api/v1/baselines",
        {"name": "b", "dataset_uri": "/nope.csv", "dataset_format": {"csv": {}}},
        "admin",
    ),
    ("POST", "/api/v1/tokens", {"role": "viewer"}, "admin"),
    ("DELETE", "/api/v1/tokens/nope", None, "admin"),
]
READS_FOR_ADMIN = ["/api/v1/tokens", "/api/v1/audit"]
ROLES = ["viewer", "operator", "admin"]


@pytest.mark.parametrize(("method", "path", "body", "least"), WRITES, ids=[f"{w[0]} {w[1]}" for w in WRITES])
def test_role_matrix_of_write_routes(
    api: Api, method: str, path: str, body: dict[str, object] | None, least: str
) -> None:
    with api.client(None) as anonymous:
        refused = anonymous.request(method, path, json=body)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
    with api.client(None) as wrong:
        bad = wrong.request(method, path, json=body, headers={"Authorization": "Bearer mm_abc_def"})
        assert bad.status_code == 401
        assert bad.json()["detail"] == "invalid or revoked bearer token"
    for role in ROLES:
        with api.client(role) as client:
            answer = client.request(method, path, json=body)
        if ROLES.index(role) < ROLES.index(least):
            assert answer.status_code == 403, (role, answer.text)
            assert answer.json()["detail"] == f"this needs the {least} role; token 'test-{role}' is {role}"
        else:
            assert answer.status_code not in (401, 403), (role, answer.text)


@pytest.mark.parametrize("path", READS_FOR_ADMIN)
def test_tokens_and_audit_are_admins(api: Api, path: str) -> None:
    for role, status in (("viewer", 403), ("operator", 403), ("admin", 200)):
        with api.client(role) as client:
            assert client.get(path).status_code == status


def test_reads_need_a_token_and_any_role(api: Api) -> None:
    with api.client(None) as anonymous:
        assert anonymous.get("/api/v1/schedules").status_code == 401
        assert anonymous.get("/healthz").status_code == 200  # probes need no token
    with api.client("viewer") as viewer:
        assert viewer.get("/api/v1/schedules").status_code == 200


def test_every_write_is_audited_with_who_what_and_outcome(api: Api) -> None:
    with api.client("operator") as operator:
        operator.post("/api/v1/schedules/nope/stop")
        operator.delete("/api/v1/schedules/nope")
    with api.client(None) as anonymous:
        anonymous.post("/api/v1/tokens", json={"role": "admin"})
    with api.client("admin") as admin:
        entries = admin.get("/api/v1/audit", params={"limit": 10}).json()
        rows = [(e["actor"], e["action"], e["target"], e["outcome"]) for e in entries]
        operator_id = api.tokens["operator"].split("_")[1]
        assert rows == [
            ("unauthenticated (-)", "create_token", "POST /api/v1/tokens", 401),
            (f"test-operator ({operator_id})", "delete_schedule", "DELETE /api/v1/schedules/nope", 403),
            (f"test-operator ({operator_id})", "stop_schedule", "POST /api/v1/schedules/nope/stop", 404),
        ]
        assert all(e["created_at"] for e in entries)
        older = admin.get("/api/v1/audit", params={"before_id": entries[1]["id"]}).json()
        assert [e["id"] for e in older] == [entries[2]["id"]]


def test_token_created_over_the_api_works_once_stored_hashed(api: Api) -> None:
    with api.client("admin") as admin:
        created = admin.post("/api/v1/tokens", json={"role": "operator", "name": "ci"}).json()
        assert created["role"] == "operator"
        listed = admin.get("/api/v1/tokens").json()
        assert "ci" in [t["name"] for t in listed]
        assert created["token"] not in str(listed)
    stored = api.service.catalog.get_access_token(created["token_id"])
    assert stored is not None
    assert created["token"].split("_", 2)[2] not in str(stored)  # only the digest is kept
    with api.client(None) as client:
        headers = {"Authorization": f"Bearer {created['token']}"}
        assert client.post("/api/v1/schedules/nope/stop", headers=headers).status_code == 404
        with api.client("admin") as admin:
            assert admin.delete(f"/api/v1/tokens/{created['token_id']}").status_code == 204
        assert client.post("/api/v1/schedules/nope/stop", headers=headers).status_code == 401


def test_token_command_prints_the_token_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MODELMONITOR_CATALOG_URL", f"sqlite:///{tmp_path / 'home' / 'c.sqlite'}")
    result = CliRunner().invoke(app, ["token", "create", "--role", "operator", "--name", "deploy"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    service = make_service(tmp_path)
    try:
        caller = AccessControl(service).authenticate(token)
        assert caller is not None
        assert (caller.name, caller.role) == ("deploy", Role.OPERATOR)
        assert AccessControl(service).authenticate(token + "x") is None
    finally:
        service.close()
    bad = CliRunner().invoke(app, ["token", "create", "--role", "root"])
    assert bad.exit_code != 0
    assert "role: got 'root', expected one of viewer, operator, admin" in str(bad.exception)


def test_non_loopback_without_tokens_refuses_unless_insecure(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    try:
        access = AccessControl(service)
        with pytest.raises(ConfigurationError, match="not a loopback address and no API token exists"):
            check_exposure("0.0.0.0", access, insecure=False)
        check_exposure("0.0.0.0", access, insecure=True)
        check_exposure("127.0.0.1", access, insecure=False)
        check_exposure("::1", access, insecure=False)
        access.create_token(Role.ADMIN)
        check_exposure("0.0.0.0", access, insecure=False)
    finally:
        service.close()


def test_serve_command_refuses_before_listening(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MODELMONITOR_CATALOG_URL", raising=False)
    result = CliRunner().invoke(app, ["serve", "--listen", "0.0.0.0:0"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigurationError)
    assert "--insecure" in str(result.exception)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("127.0.0.1:8000", ("127.0.0.1", 8000)), ("[::1]:9", ("::1", 9)), ("localhost:1", ("localhost", 1))],
)
def test_parse_listen(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text", ["8000", "host:", ":80", "h:99999", "h:x"])
def test_parse_listen_refuses(text: str) -> None:
    with pytest.raises(ConfigurationError, match="expected HOST:PORT"):
        parse_listen(text)


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.5")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("example.org")


def test_schedule_environment_values_are_admins_only(api: Api) -> None:
    definition = {
        "input_kind": "batch_transform",
        "capture_uri": str(api.tmp / "batch"),
        "dataset_format": {"csv": {"header": True}},
        "command": ["true"],
        "environment": {"WAREHOUSE_PASSWORD": "s3cret"},
    }
    with api.client("admin") as admin:
        assert (
            admin.post("/api/v1/schedules", json={"name": "custom", "definition": definition}).status_code
            == 201
        )
        assert admin.get("/api/v1/schedules/custom").json()["schedule"]["definition"]["environment"] == {
            "WAREHOUSE_PASSWORD": "s3cret"
        }
    for role in ("viewer", "operator"):
        with api.client(role) as client:
            described = client.get("/api/v1/schedules/custom")
            listed = client.get("/api/v1/schedules")
            assert "s3cret" not in described.text
            assert "s3cret" not in listed.text
            assert described.json()["schedule"]["definition"]["environment"] == {
                "WAREHOUSE_PASSWORD": "<redacted>"
            }
    with api.client("operator") as operator:
        stopped = operator.post("/api/v1/schedules/custom/stop")
        assert stopped.json()["status"] == "Stopped"
        assert "s3cret" not in stopped.text
