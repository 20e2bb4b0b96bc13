"""``EndpointInput``, ``BatchTransformInput``, ``MonitoringOutput``: the SDK's signatures.

The signatures: docs/sagemaker.md#inputs-and-formats-in-the-sdk.

``destination`` is the input's local path in the container: a custom monitor finds the window's
captured files staged there (``dataset_source``); the built-in job reads the data where it is.
"""

from __future__ import annotations

from typing import Any

from modelmonitor.formats.processing_job_config import DEFAULT_INPUT_DESTINATION

__all__ = ["BatchTransformInput", "EndpointInput", "MonitoringInput", "MonitoringOutput"]


class _CapturedDataInput:
    """The SDK parameters both inputs share: where a custom monitor's container finds the data, which
    time window of it to analyse and which record attributes hold what."""

    def __init__(
        self,
        *,
        destination: str,
        s3_input_mode: str,
        s3_data_distribution_type: str,
        start_time_offset: str | None,
        end_time_offset: str | None,
        features_attribute: str | None,
        inference_attribute: str | None,
        probability_attribute: str | None,
        probability_threshold_attribute: float | None,
        exclude_features_attribute: str | None,
    ) -> None:
        self.destination = destination
        self.s3_input_mode = s3_input_mode
        self.s3_data_distribution_type = s3_data_distribution_type
        self.start_time_offset = start_time_offset
        self.end_time_offset = end_time_offset
        self.features_attribute = features_attribute
        self.inference_attribute = inference_attribute
        self.probability_attribute = probability_attribute
        self.probability_threshold_attribute = probability_threshold_attribute
        self.exclude_features_attribute = exclude_features_attribute

    def _request(self, kind: str, leading: dict[str, Any]) -> dict[str, Any]:
        """``{kind: request}``: the input's own keys first, then the shared ones in the SDK's order."""
        request: dict[str, Any] = {
            **leading,
            "S3InputMode": self.s3_input_mode,
            "S3DataDistributionType": self.s3_data_distribution_type,
        }
        for attribute, key in _OPTIONAL.items():
            value = getattr(self, attribute)
            if value is not None:
                request[key] = value
        return {kind: request}


class EndpointInput(_CapturedDataInput):
    """A real-time endpoint to monitor; its captured data is found through the catalog."""

    def __init__(
        self,
        endpoint_name: str,
        destination: str = DEFAULT_INPUT_DESTINATION,
        s3_input_mode: str = "File",
        s3_data_distribution_type: str = "FullyReplicated",
        start_time_offset: str | None = None,
        end_time_offset: str | None = None,
        features_attribute: str | None = None,
        inference_attribute: str | None = None,
        probability_attribute: str | None = None,
        probability_threshold_attribute: float | None = None,
        exclude_features_attribute: str | None = None,
    ) -> None:
        self.endpoint_name = endpoint_name
        super().__init__(
            destination=destination,
            s3_input_mode=s3_input_mode,
            s3_data_distribution_type=s3_data_distribution_type,
            start_time_offset=start_time_offset,
            end_time_offset=end_time_offset,
            features_attribute=features_attribute,
            inference_attribute=inference_attribute,
            probability_attribute=probability_attribute,
            probability_threshold_attribute=probability_threshold_attribute,
            exclude_features_attribute=exclude_features_attribute,
        )

    def _to_request_dict(self) -> dict[str, Any]:
        return self._request(
            "EndpointInput", {"EndpointName": self.endpoint_name, "LocalPath": self.destination}
        )


class MonitoringInput:
    """Base of the batch-transform input (the SDK's class hierarchy)."""

    start_time_offset: str | None = None
    end_time_offset: str | None = None


class BatchTransformInput(MonitoringInput, _CapturedDataInput):
    """Data captured from batch transform jobs: ``{data_captured_destination_s3_uri}/input/yyyy/mm/dd/hh``."""

    def __init__(
        self,
        data_captured_destination_s3_uri: str,
        destination: str,
        dataset_format: dict[str, Any],
        s3_input_mode: str = "File",
        s3_data_distribution_type: str = "FullyReplicated",
        start_time_offset: str | None = None,
        end_time_offset: str | None = None,
        features_attribute: str | None = None,
        inference_attribute: str | None = None,
        probability_attribute: str | None = None,
        probability_threshold_attribute: float | None = None,
        exclude_features_attribute: str | None = None,
    ) -> None:
        self.data_captured_destination_s3_uri = data_captured_destination_s3_uri
        self.dataset_format = dataset_format
        super().__init__(
            destination=destination,
            s3_input_mode=s3_input_mode,
            s3_data_distribution_type=s3_data_distribution_type,
            start_time_offset=start_time_offset,
            end_time_offset=end_time_offset,
            features_attribute=features_attribute,
            inference_attribute=inference_attribute,
            probability_attribute=probability_attribute,
            probability_threshold_attribute=probability_threshold_attribute,
            exclude_features_attribute=exclude_features_attribute,
        )

    def _to_request_dict(self) -> dict[str, Any]:
        return self._request(
            "BatchTransformInput",
            {
                "DataCapturedDestinationS3Uri": self.data_captured_destination_s3_uri,
                "LocalPath": self.destination,
                "DatasetFormat": self.dataset_format,
            },
        )


class MonitoringOutput:
    """Where reports go: ``destination`` (a local path or URI); ``source`` is the container's path."""

    def __init__(
        self, source: str, destination: str | None = None, s3_upload_mode: str = "Continuous"
    ) -> None:
        self.source = source
        self.destination = destination
        self.s3_upload_mode = s3_upload_mode

    def _to_request_dict(self) -> dict[str, Any]:
        return {
            "S3Output": {
                "S3Uri": self.destination,
                "LocalPath": self.source,
                "S3UploadMode": self.s3_upload_mode,
            }
        }


_OPTIONAL = {
    "start_time_offset": "StartTimeOffset",
    "end_time_offset": "EndTimeOffset",
    "features_attribute": "FeaturesAttribute",
    "inference_attribute": "InferenceAttribute",
    "probability_attribute": "ProbabilityAttribute",
    "probability_threshold_attribute": "ProbabilityThresholdAttribute",
    "exclude_features_attribute": "ExcludeFeaturesAttribute",
}
