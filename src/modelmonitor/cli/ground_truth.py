"""``modelmonitor ground-truth upload``: labels that arrive after the predictions, in SageMaker's layout.

Files: docs/model-quality.md#ground-truth.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from modelmonitor.service.ground_truth import GroundTruthUpload

__all__ = ["ground_truth_app"]

ground_truth_app = typer.Typer(
    rich_markup_mode=None, help="Ground-truth labels for model-quality monitoring.", no_args_is_help=True
)

_SHOWN_BAD_RECORDS = 10


@ground_truth_app.command("upload")
def upload(
    source: str = typer.Argument(..., help="A label file or a folder of them: JSON Lines, CSV or Parquet."),
    destination: str = typer.Option(
        ..., "--destination", "-d", help="Ground-truth root; files go to {destination}/yyyy/mm/dd/hh/."
    ),
    file_format: str | None = typer.Option(
        None, "--format", help="jsonl (SageMaker's records), csv or parquet; default: from the file name."
    ),
    id_column: str = typer.Option(
        "inference_id", "--id-column", help="CSV/Parquet column of the inference id."
    ),
    label_column: str = typer.Option("label", "--label-column", help="CSV/Parquet column of the label."),
    collected_at: str | None = typer.Option(
        None, "--collected-at", help="When the labels were collected (ISO 8601 with offset); default now."
    ),
) -> None:
    """Write labels as SageMaker's ground truth, under the hour they were collected."""
    from modelmonitor.service.ground_truth import upload_ground_truth

    moment = None
    if collected_at is not None:
        try:
            moment = datetime.fromisoformat(collected_at.replace("Z", "+00:00"))
        except ValueError as exc:
            raise typer.BadParameter(
                f"{collected_at!r}: expected ISO 8601, e.g. 2026-11-26T14:00:00Z"
            ) from exc
    result = upload_ground_truth(
        source,
        destination,
        file_format=file_format,
        id_column=id_column,
        label_column=label_column,
        collected_at=moment,
    )
    _print(result)


def _print(result: GroundTruthUpload) -> None:
    report = result.report
    typer.echo(
        f"wrote {result.label_count} label(s) in {len(result.files)} file(s) to {result.destination} "
        f"(collected {result.collected_at.isoformat()}); {report.bad_record_count} bad record(s)"
    )
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for bad in report.bad_records[:_SHOWN_BAD_RECORDS]:
        err.print(f"bad record: {bad}")
    if report.bad_record_count > _SHOWN_BAD_RECORDS:
        err.print(f"... and {report.bad_record_count - _SHOWN_BAD_RECORDS} more bad record(s)")
    for warning in report.warnings:
        err.print(f"warning: {warning.message}")
