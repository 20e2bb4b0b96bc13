"""Upload ground-truth labels from Python: what ``modelmonitor ground-truth upload`` does.

SageMaker's SDK has no such helper (labels are put into S3 by the user's own code); this one writes
SageMaker's records and layout, so the same prefix serves both. Files: docs/model-quality.md#ground-truth.
"""

from __future__ import annotations

from datetime import datetime

from modelmonitor.service.ground_truth import GroundTruthUpload
from modelmonitor.service.ground_truth import upload_ground_truth as _upload

__all__ = ["GroundTruthUpload", "upload_ground_truth"]


def upload_ground_truth(
    source: str,
    destination: str,
    *,
    file_format: str | None = None,
    id_column: str = "inference_id",
    label_column: str = "label",
    collected_at: datetime | None = None,
) -> GroundTruthUpload:
    """Write the labels of ``source`` (JSON Lines in SageMaker's format, or CSV/Parquet with an id and a
    label column) under ``{destination}/yyyy/mm/dd/hh/`` of ``collected_at`` (default: now, UTC)."""
    return _upload(
        source,
        destination,
        file_format=file_format,
        id_column=id_column,
        label_column=label_column,
        collected_at=collected_at,
    )
