"""``modelmonitor endpoint register|list|describe|delete``: endpoints whose captured data is monitored.

The capture proxy and middleware register their endpoint when they start; ``register`` covers data
captured elsewhere (e.g. files copied from SageMaker's capture bucket).
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from modelmonitor.cli._service import echo_json, service

__all__ = ["endpoint_app"]

endpoint_app = typer.Typer(
    rich_markup_mode=None, help="Endpoints and where their captured data is.", no_args_is_help=True
)


@endpoint_app.command("register")
def register(
    name: str = typer.Argument(..., help="Endpoint name (the folder under the capture destination)."),
    capture_destination: str = typer.Option(
        ...,
        "--capture-destination",
        "-d",
        help="Capture root: {destination}/{endpoint}/{variant}/yyyy/mm/dd/hh.",
    ),
    variant: list[str] = typer.Option(["AllTraffic"], "--variant", help="Variant names (repeatable)."),
) -> None:
    """Register (or update) an endpoint and its capture destination."""
    with service() as svc:
        echo_json(svc.register_endpoint(name, capture_destination, variant, source="manual"))


@endpoint_app.command("list")
def list_endpoints() -> None:
    with service() as svc:
        endpoints = svc.list_endpoints()
    table = Table("name", "capture destination", "variants", "registered by", "modified")
    for e in endpoints:
        table.add_row(
            e.name, e.capture_destination, ",".join(e.variants), e.source, e.modified_at.isoformat()
        )
    Console().print(table)


@endpoint_app.command("describe")
def describe(name: str) -> None:
    with service() as svc:
        echo_json(svc.describe_endpoint(name))


@endpoint_app.command("delete")
def delete(name: str) -> None:
    """Delete an endpoint (refused while a monitoring schedule uses it)."""
    with service() as svc:
        svc.delete_endpoint(name)
    typer.echo(f"deleted endpoint {name}")
