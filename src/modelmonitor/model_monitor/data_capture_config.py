"""``DataCaptureConfig`` with the signature of ``sagemaker.model_monitor.DataCaptureConfig``.

The SDK object describes capture for ``Model.deploy``; here it also configures our ASGI middleware
(``CaptureMiddleware(app, config=DataCaptureConfig(...), endpoint_name=...)``). ``sagemaker_session`` is
accepted and ignored. Without ``destination_s3_uri`` capture goes to ``$MODELMONITOR_HOME/data-capture``
(the SDK's default is ``s3://<default bucket>/model-monitor/data-capture``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from modelmonitor.capture.config import CaptureSettings, capture_modes
from modelmonitor.formats.layout import DEFAULT_VARIANT
from modelmonitor.model_monitor.session import session_of

__all__ = ["DataCaptureConfig"]


class DataCaptureConfig:
    """What to capture of an endpoint's traffic and where to put it (SDK names and defaults)."""

    API_MAPPING: ClassVar[Mapping[str, str]] = {"REQUEST": "Input", "RESPONSE": "Output"}

    def __init__(
        self,
        enable_capture: bool,
        sampling_percentage: int = 20,
        destination_s3_uri: str | None = None,
        kms_key_id: str | None = None,
        capture_options: Sequence[str] | None = None,
        csv_content_types: Sequence[str] | None = None,
        json_content_types: Sequence[str] | None = None,
        sagemaker_session: Any = None,
        storage_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.enable_capture = enable_capture
        self.sampling_percentage = sampling_percentage
        self.destination_s3_uri = destination_s3_uri or str(
            session_of(sagemaker_session).settings.home / "data-capture"
        )
        self.kms_key_id = kms_key_id
        self.capture_options = list(capture_options or ["REQUEST", "RESPONSE"])
        self.csv_content_types = list(csv_content_types or ["text/csv"])
        self.json_content_types = list(json_content_types or ["application/json"])
        self.sagemaker_session = sagemaker_session
        self.storage_options = dict(storage_options or {})

    def _to_request_dict(self) -> dict[str, Any]:
        """The ``DataCaptureConfig`` of CreateEndpointConfig, as the SDK builds it."""
        request: dict[str, Any] = {
            "EnableCapture": self.enable_capture,
            "InitialSamplingPercentage": self.sampling_percentage,
            "DestinationS3Uri": self.destination_s3_uri,
            "CaptureOptions": [
                {"CaptureMode": self.API_MAPPING.get(option.upper(), option)}
                for option in self.capture_options
            ],
        }
        if self.kms_key_id is not None:
            request["KmsKeyId"] = self.kms_key_id
        request["CaptureContentTypeHeader"] = {
            "CsvContentTypes": self.csv_content_types,
            "JsonContentTypes": self.json_content_types,
        }
        return request

    def to_capture_settings(self, endpoint_name: str, variant_name: str = DEFAULT_VARIANT) -> CaptureSettings:
        """Our capture settings for one endpoint variant; ``kms_key_id`` becomes SSE-KMS for ``s3://``."""
        capture_input, capture_output = capture_modes(self.capture_options)
        options = dict(self.storage_options)
        if self.kms_key_id and self.destination_s3_uri.startswith(("s3://", "s3a://")):
            extra = dict(options.get("s3_additional_kwargs", {}))
            extra.update({"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.kms_key_id})
            options["s3_additional_kwargs"] = extra
        return CaptureSettings(
            endpoint_name=endpoint_name,
            variant_name=variant_name,
            destination=self.destination_s3_uri,
            enabled=self.enable_capture,
            sampling_percentage=float(self.sampling_percentage),
            capture_input=capture_input,
            capture_output=capture_output,
            csv_content_types=tuple(self.csv_content_types),
            json_content_types=tuple(self.json_content_types),
            storage_options=options,
        )
