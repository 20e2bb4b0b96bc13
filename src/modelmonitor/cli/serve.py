"""``modelmonitor serve`` (the REST API, optionally with the scheduler) and ``modelmonitor token ...``.

Routes, roles and the insecure rule: docs/api.md.
"""

from __future__ import annotations

import logging

import typer

from modelmonitor.cli._service import echo_json, service, settings

__all__ = ["register", "token_app"]

token_app = typer.Typer(help="API tokens (bearer tokens with a role).", no_args_is_help=True)


def serve(
    listen: str = typer.Option("127.0.0.1:8000", "--listen", help="HOST:PORT to listen on."),
    scheduler: bool = typer.Option(
        False,
        "--scheduler",
        help="Also run the scheduler in this process (else run `modelmonitor scheduler`).",
    ),
    insecure: bool = typer.Option(
        False,
        "--insecure",
        help="Allow a non-loopback --listen while no API token exists (everyone is admin).",
    ),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        "--forwarded-allow-ips",
        help="Comma-separated addresses of reverse proxies whose X-Forwarded-Proto/-For are believed "
        "(e.g. 127.0.0.1 for a TLS proxy on this host); none by default.",
    ),
) -> None:
    """Serve the REST API under /api/v1, /metrics, /healthz and OpenAPI at /docs."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from modelmonitor.api.server import serve as run  # on use: FastAPI and the whole service stack

    run(settings(), listen, scheduler=scheduler, insecure=insecure, forwarded_allow_ips=forwarded_allow_ips)


@token_app.command("create")
def create(
    role: str = typer.Option(..., "--role", help="viewer, operator or admin."),
    name: str | None = typer.Option(None, "--name", help="Who or what uses it (in the audit log)."),
) -> None:
    """Create a token and print it once (only its SHA-256 is kept)."""
    from modelmonitor.service.access import AccessControl, Role

    with service() as svc:
        token, record = AccessControl(svc).create_token(Role.parse(role), name)
    typer.echo(token)
    typer.echo(f"token {record.token_id} ({record.name}, {record.role}): shown once, store it now", err=True)


@token_app.command("list")
def list_tokens() -> None:
    """Tokens by id, name and role (never their text)."""
    from modelmonitor.service.access import AccessControl

    with service() as svc:
        tokens = AccessControl(svc).list_tokens()
    echo_json(
        [{"token_id": t.token_id, "name": t.name, "role": t.role, "created_at": t.created_at} for t in tokens]
    )


@token_app.command("revoke")
def revoke(token_id: str) -> None:
    from modelmonitor.service.access import AccessControl

    with service() as svc:
        AccessControl(svc).revoke_token(token_id)
    typer.echo(f"revoked token {token_id}")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(token_app, name="token")
