"""What a capturing component records and where: one frozen value shared by proxy, middleware and writer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.layout import DEFAULT_VARIANT, check_name
from modelmonitor.storage.objects import check_folder_location, is_remote

__all__ = [
    "CAPTURE_MODE_ALIASES",
    "DEFAULT_CSV_CONTENT_TYPES",
    "DEFAULT_JSON_CONTENT_TYPES",
    "OBJECT_STORE_MAX_FILE_AGE",
    "CaptureSettings",
    "CaptureSettingsSource",
    "capture_modes",
]

DEFAULT_CSV_CONTENT_TYPES = ("text/csv",)
DEFAULT_JSON_CONTENT_TYPES = ("application/json",)

# The API's CaptureMode values, and the SDK's names for them ("REQUEST" -> Input, "RESPONSE" -> Output).
CAPTURE_MODE_ALIASES = {
    "input": (True, False),
    "request": (True, False),
    "output": (False, True),
    "response": (False, True),
    "inputandoutput": (True, True),
}


def capture_modes(options: Iterable[str]) -> tuple[bool, bool]:
    """``(capture_input, capture_output)`` of options such as ``["Input", "Output"]`` or ``["REQUEST"]``."""
    capture_input = capture_output = False
    for option in options:
        key = option.strip().lower()
        if key not in CAPTURE_MODE_ALIASES:
            raise ConfigurationError(
                f"capture option: got {option!r}, expected Input, Output, InputAndOutput, REQUEST or RESPONSE"
            )
        add_input, add_output = CAPTURE_MODE_ALIASES[key]
        capture_input = capture_input or add_input
        capture_output = capture_output or add_output
    if not (capture_input or capture_output):
        raise ConfigurationError("capture options: got none, expected Input, Output or both")
    return capture_input, capture_output


OBJECT_STORE_MAX_FILE_AGE = timedelta(minutes=5)


@dataclass(frozen=True)
class CaptureSettings:
    """Everything capture needs, with SageMaker's defaults where SageMaker has one.

    Sizes are in bytes, durations are ``timedelta``. ``disk_usage_threshold`` is a used fraction (0–1)
    of the disk holding the capture files (or the spool of an object-store destination).
    ``max_file_age`` None closes local files hourly only; an object-store destination then gets
    ``OBJECT_STORE_MAX_FILE_AGE``, so a finished object appears at least that often (an object is only
    visible once closed).
    """

    endpoint_name: str
    destination: str
    variant_name: str = DEFAULT_VARIANT
    enabled: bool = True
    sampling_percentage: float = 20.0
    capture_input: bool = True
    capture_output: bool = True
    csv_content_types: tuple[str, ...] = DEFAULT_CSV_CONTENT_TYPES
    json_content_types: tuple[str, ...] = DEFAULT_JSON_CONTENT_TYPES
    storage_options: Mapping[str, Any] = field(default_factory=dict)
    max_payload_bytes: int = 6 * 1024 * 1024
    queue_size: int = 10_000
    flush_interval: timedelta = timedelta(seconds=1)
    max_file_bytes: int = 64 * 1024 * 1024
    max_file_age: timedelta | None = None
    disk_usage_threshold: float = 0.75
    disk_check_interval: timedelta = timedelta(seconds=1)
    spool_dir: str | None = None
    # Which calls are inference calls: SageMaker captures only InvokeEndpoint (a POST), so health checks
    # (GET /ping) and other methods are not captured unless listed. Paths are fnmatch patterns; () is all.
    capture_methods: tuple[str, ...] = ("POST",)
    capture_paths: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # The catalog's rule: both names are path segments of every capture file.
        check_name("endpoint", self.endpoint_name)
        check_name("variant", self.variant_name)
        if not self.destination:
            raise ConfigurationError("capture destination: got an empty string, expected a directory or URI")
        check_folder_location(self.destination, "capture destination")
        if not 0 <= self.sampling_percentage <= 100:
            raise ConfigurationError(
                f"sampling percentage: got {self.sampling_percentage}, expected a number from 0 to 100"
            )
        if not (self.capture_input or self.capture_output):
            raise ConfigurationError("capture options: got none, expected Input, Output or both")
        if not 0 < self.disk_usage_threshold <= 1:
            raise ConfigurationError(
                f"disk usage threshold: got {self.disk_usage_threshold}, expected a fraction in (0, 1]"
            )
        for name in ("max_payload_bytes", "queue_size", "max_file_bytes"):
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"{name}: got {getattr(self, name)}, expected a positive number")
        if not self.capture_methods or any(not m.isalpha() or m != m.upper() for m in self.capture_methods):
            raise ConfigurationError(
                f"capture methods: got {list(self.capture_methods)}, "
                "expected upper-case HTTP methods such as POST"
            )
        if any(not pattern.startswith(("/", "*")) for pattern in self.capture_paths):
            raise ConfigurationError(
                f"capture paths: got {list(self.capture_paths)}, "
                "expected patterns such as /invocations or /models/*"
            )
        if self.max_file_age is None and is_remote(self.destination):
            object.__setattr__(self, "max_file_age", OBJECT_STORE_MAX_FILE_AGE)
        if self.flush_interval <= timedelta(0):
            raise ConfigurationError(
                f"flush interval: got {self.flush_interval}, expected a positive duration"
            )


class CaptureSettingsSource(Protocol):
    """Anything that can produce capture settings for one endpoint variant (e.g. ``DataCaptureConfig``)."""

    def to_capture_settings(
        self, endpoint_name: str, variant_name: str = DEFAULT_VARIANT
    ) -> CaptureSettings: ...
