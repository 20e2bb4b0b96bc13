"""Read capture files back under the torn-line rule every reader follows.

The rule is ``formats.capture.split_capture_lines``. A complete line that is not a valid capture record
is counted as bad, with its file and line number, and skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson
from pydantic import ValidationError

from modelmonitor.formats.capture import CaptureRecord, split_capture_lines
from modelmonitor.storage.objects import ObjectStore, store_for

__all__ = ["CaptureReadResult", "parse_capture_bytes", "read_capture_tree"]


@dataclass
class CaptureReadResult:
    records: list[CaptureRecord] = field(default_factory=list)
    files: int = 0
    torn_lines: int = 0
    bad_lines: list[str] = field(default_factory=list)

    def extend(self, other: CaptureReadResult) -> None:
        self.records.extend(other.records)
        self.files += other.files
        self.torn_lines += other.torn_lines
        self.bad_lines.extend(other.bad_lines)


def parse_capture_bytes(data: bytes, source: str) -> CaptureReadResult:
    """Records of one capture file's bytes; ``source`` names the file in messages."""
    result = CaptureReadResult(files=1)
    split = split_capture_lines(data)
    result.torn_lines += split.torn
    for number, raw in split.lines:
        try:
            result.records.append(CaptureRecord.model_validate(orjson.loads(raw)))
        except orjson.JSONDecodeError as exc:
            result.bad_lines.append(f"{source}:{number}: not valid JSON: {exc}")
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            result.bad_lines.append(f"{source}:{number}: field {where}: {first['msg']}")
    return result


def read_capture_tree(prefix: str, store: ObjectStore | None = None) -> CaptureReadResult:
    """Every ``.jsonl`` capture file below ``prefix`` (a directory or URI), in path order."""
    store = store or store_for(prefix)
    result = CaptureReadResult()
    for path in store.list_files(prefix, ".jsonl"):
        result.extend(parse_capture_bytes(store.read_bytes(path), path))
    return result
