"""The one exception tree of modelmonitor.

    ModelMonitorError                 base of everything we raise on purpose
    ├── ConfigurationError            a setting, argument or option is wrong
    ├── InputFileError                a file we read is malformed (names file, line, field)
    │   └── FormatError               a SageMaker-format file (statistics, constraints, ...) is invalid
    ├── DatasetError                  a dataset cannot be read or is empty
    ├── NotFoundError                 a schedule, endpoint, execution or file does not exist
    ├── ConflictError                 the operation clashes with the current state
    ├── ScheduleError                 a schedule expression, window or offset is invalid
    ├── CaptureError                  data capture could not be set up
    ├── UserScriptError               a user's preprocess/postprocess script failed or is malformed
    └── JobError                      a baselining or monitoring job failed

Each error carries a message that says what, where, what was got and what was expected.
The CLI maps each class to an exit code (`exit_code`).
"""

from __future__ import annotations

__all__ = [
    "CaptureError",
    "ConfigurationError",
    "ConflictError",
    "DatasetError",
    "FormatError",
    "InputFileError",
    "JobError",
    "ModelMonitorError",
    "NotFoundError",
    "ScheduleError",
    "UserScriptError",
]


class ModelMonitorError(Exception):
    """Base of every error modelmonitor raises on purpose."""

    exit_code: int = 1


class ConfigurationError(ModelMonitorError):
    exit_code = 2


class InputFileError(ModelMonitorError):
    """A file is malformed; the message names the file, the line and the field where known."""

    exit_code = 3

    def __init__(
        self, message: str, *, path: str | None = None, line: int | None = None, field: str | None = None
    ) -> None:
        where = path or ""
        if path is not None and line is not None:
            where = f"{path}:{line}"
        prefix = f"{where}: " if where else ""
        if field:
            prefix += f"field {field}: "
        super().__init__(prefix + message)
        self.path = path
        self.line = line
        self.field = field


class FormatError(InputFileError):
    """A statistics/constraints/violations/analysis file does not follow SageMaker's schema."""


class DatasetError(ModelMonitorError):
    exit_code = 3


class NotFoundError(ModelMonitorError):
    exit_code = 4


class ConflictError(ModelMonitorError):
    exit_code = 5


class ScheduleError(ModelMonitorError):
    exit_code = 2


class CaptureError(ModelMonitorError):
    exit_code = 6


class UserScriptError(ModelMonitorError):
    exit_code = 7


class JobError(ModelMonitorError):
    exit_code = 8
