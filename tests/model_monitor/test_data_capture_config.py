"""DataCaptureConfig keeps the SDK's signature, defaults and request dict, and maps to capture settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelmonitor.errors import ConfigurationError
from modelmonitor.model_monitor.data_capture_config import DataCaptureConfig


def test_request_dict_matches_the_sdk() -> None:
    config = DataCaptureConfig(True, destination_s3_uri="s3://b/capture", kms_key_id="alias/k")
    assert config._to_request_dict() == {
        "EnableCapture": True,
        "InitialSamplingPercentage": 20,
        "DestinationS3Uri": "s3://b/capture",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        "KmsKeyId": "alias/k",
        "CaptureContentTypeHeader": {
            "CsvContentTypes": ["text/csv"],
            "JsonContentTypes": ["application/json"],
        },
    }


def test_default_destination_is_under_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path))
    assert DataCaptureConfig(True).destination_s3_uri == str(tmp_path / "data-capture")


def test_capture_settings_from_config() -> None:
    config = DataCaptureConfig(
        True, 50, "s3://b/c", kms_key_id="k", capture_options=["REQUEST"], csv_content_types=["text/plain"]
    )
    settings = config.to_capture_settings("churn", "Blue")
    assert (settings.endpoint_name, settings.variant_name, settings.sampling_percentage) == (
        "churn",
        "Blue",
        50.0,
    )
    assert (settings.capture_input, settings.capture_output) == (True, False)
    assert settings.csv_content_types == ("text/plain",)
    assert settings.storage_options["s3_additional_kwargs"] == {
        "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": "k",
    }


def test_unknown_capture_option_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="'BOTH'"):
        DataCaptureConfig(True, destination_s3_uri="/x", capture_options=["BOTH"]).to_capture_settings("e")
