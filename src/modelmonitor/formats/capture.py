"""Capture and ground-truth records: one JSON object per line, SageMaker's keys.

Shapes: docs/sagemaker.md#capture-records, #ground-truth-records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from modelmonitor.formats.base import SageMakerModel

__all__ = [
    "CaptureData",
    "CaptureEncoding",
    "CaptureEventData",
    "CaptureEventMetadata",
    "CaptureRecord",
    "GroundTruthData",
    "GroundTruthEventMetadata",
    "GroundTruthRecord",
    "SplitCaptureFile",
    "split_capture_lines",
]

CaptureEncoding = Literal["CSV", "JSON", "BASE64"]


class CaptureEventData(SageMakerModel):
    observedContentType: str | None = None
    mode: Literal["INPUT", "OUTPUT"]
    data: str
    encoding: CaptureEncoding


class CaptureData(SageMakerModel):
    endpointInput: CaptureEventData | None = None
    endpointOutput: CaptureEventData | None = None
    batchTransformOutput: CaptureEventData | None = None


class CaptureEventMetadata(SageMakerModel):
    eventId: str
    inferenceId: str | None = None
    inferenceTime: str
    invocationSource: str | None = None
    customAttributes: list[str] | str | None = None


class CaptureRecord(SageMakerModel):
    """One line of a capture ``.jsonl`` file."""

    captureData: CaptureData
    eventMetadata: CaptureEventMetadata
    eventVersion: str = "0"

    @property
    def join_key(self) -> str:
        """The key ground truth refers to: the inference id when given, else the event id (§2.3)."""
        return self.eventMetadata.inferenceId or self.eventMetadata.eventId


class GroundTruthData(SageMakerModel):
    data: str
    encoding: Literal["CSV", "JSON"] = "CSV"


class GroundTruthEventMetadata(SageMakerModel):
    eventId: str


class GroundTruthRecord(SageMakerModel):
    """One line of a ground-truth ``.jsonl`` file."""

    groundTruthData: GroundTruthData
    eventMetadata: GroundTruthEventMetadata
    eventVersion: str = Field(default="0")


@dataclass(frozen=True)
class SplitCaptureFile:
    """A capture file's bytes under the torn-line rule.

    A record is a line ending in ``\\n``; bytes after the last one are a torn line (a writer killed
    mid-write), skipped and counted by every reader, never parsed. Blank lines are not records.
    """

    lines: list[tuple[int, bytes]]  # (1-based line number, line without its newline), blank lines left out
    torn: bool
    torn_line_number: int  # where the torn bytes start, for messages


def split_capture_lines(data: bytes) -> SplitCaptureFile:
    complete, newline, tail = data.rpartition(b"\n")
    numbered = list(enumerate(complete.split(b"\n"), start=1)) if newline else []
    return SplitCaptureFile(
        lines=[(number, line) for number, line in numbered if line.strip()],
        torn=bool(tail.strip()),
        torn_line_number=len(numbered) + 1,
    )
