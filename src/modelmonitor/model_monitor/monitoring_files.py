"""``Statistics``, ``Constraints``, ``ConstraintViolations``: SageMaker SDK's file objects.

Each holds ``body_dict`` (the parsed JSON) and ``file_s3_uri`` (where it lives: a local path or any
fsspec URI). Files are validated by our models on load, so a malformed file fails with its name and
the offending field. ``from_string`` and ``from_file_path`` store the text under
``$MODELMONITOR_HOME/monitoring/{uuid}/{file}``, where the SDK uploads to
``s3://{default bucket}/monitoring/{uuid}/{file}``; ``kms_key`` and ``sagemaker_session`` are accepted
and ignored.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, ClassVar, Self

from modelmonitor.errors import ConfigurationError, InputFileError
from modelmonitor.formats.base import SageMakerFile
from modelmonitor.formats.clarify import AnalysisFile, AttributionViolationsFile, BiasViolationsFile
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.jackson import dumps_jackson
from modelmonitor.formats.model_quality import (
    ModelQualityConstraintsFile,
    ModelQualityStatisticsFile,
    ModelQualityViolationsFile,
)
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.model_monitor.session import session_of
from modelmonitor.service.files import read_text, write_text

__all__ = ["ConstraintViolations", "Constraints", "ModelMonitoringFile", "Statistics"]

CLARIFY_ANALYSIS_KEYS = frozenset({"pre_training_bias_metrics", "post_training_bias_metrics", "explanations"})


class ModelMonitoringFile:
    """A monitoring file: its parsed body and where it is stored."""

    file_name: ClassVar[str] = "file.json"
    model: ClassVar[type[SageMakerFile]] = SageMakerFile
    # The model-quality form of the file, told apart by its section keys (``*_metrics``, ``*_constraints``).
    model_quality_model: ClassVar[type[SageMakerFile] | None] = None
    model_quality_keys: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        body_dict: dict[str, Any],
        file_s3_uri: str,
        kms_key: str | None = None,
        sagemaker_session: Any = None,
    ) -> None:
        self.body_dict = body_dict
        self.file_s3_uri = file_s3_uri
        self.kms_key = kms_key
        self.sagemaker_session = sagemaker_session

    def validated(self) -> SageMakerFile:
        """The body as our model of the file (raises FormatError naming the bad field)."""
        return self._model_of(self.body_dict).from_data(self.body_dict, source=self.file_s3_uri)

    def save(self, new_save_location_s3_uri: str | None = None) -> str:
        """Write ``body_dict`` to ``file_s3_uri`` (or a new location, which becomes ``file_s3_uri``)."""
        if new_save_location_s3_uri is not None:
            self.file_s3_uri = new_save_location_s3_uri
        write_text(self.file_s3_uri, dumps_jackson(self.body_dict))
        return self.file_s3_uri

    @classmethod
    def _is_model_quality(cls, body: dict[str, Any]) -> bool:
        return not cls.model_quality_keys.isdisjoint(body)

    @classmethod
    def _clarify_model(cls, body: dict[str, Any]) -> type[SageMakerFile] | None:
        """The Clarify model when the body is a Clarify monitor's file (none for statistics)."""
        return None

    @classmethod
    def _model_of(cls, body: object) -> type[SageMakerFile]:
        """The data-quality model, or the model-quality or Clarify one when the body is of that form."""
        if isinstance(body, dict):
            clarify = cls._clarify_model(body)
            if clarify is not None:
                return clarify
        if cls.model_quality_model is not None and isinstance(body, dict) and cls._is_model_quality(body):
            return cls.model_quality_model
        return cls.model

    @classmethod
    def _parse(cls, text: str, source: str) -> dict[str, Any]:
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            parsed = None  # the model's parse below says where
        cls._model_of(parsed).from_json_text(
            text, source=source
        )  # validate: clear errors, unknown keys warned
        body: dict[str, Any] = parsed
        return body

    @classmethod
    def from_text(
        cls, text: str, file_s3_uri: str, kms_key: str | None = None, sagemaker_session: Any = None
    ) -> Self:
        """The file whose text was read from ``file_s3_uri`` (validated, with clear errors)."""
        return cls(cls._parse(text, file_s3_uri), file_s3_uri, kms_key, sagemaker_session)

    # The SDK names the first argument after the file kind (``statistics_file_s3_uri``, ...): each
    # subclass declares the public loaders with its names and calls these.

    @classmethod
    def _load_uri(cls, uri: str, kms_key: str | None, sagemaker_session: Any) -> Self:
        return cls.from_text(read_text(uri), uri, kms_key, sagemaker_session)

    @classmethod
    def _load_string(
        cls, text: str, kms_key: str | None, file_name: str | None, sagemaker_session: Any
    ) -> Self:
        """Store ``text`` as a new file under ``$MODELMONITOR_HOME/monitoring/{uuid}/`` and load it."""
        body = cls._parse(text, file_name or cls.file_name)
        home = session_of(sagemaker_session).settings.home
        uri = str(home / "monitoring" / str(uuid.uuid4()) / (file_name or cls.file_name))
        write_text(uri, text)
        return cls(body, uri, kms_key, sagemaker_session)

    @classmethod
    def _load_path(cls, file_path: str, kms_key: str | None, sagemaker_session: Any) -> Self:
        """Copy a local file into the store (like the SDK's upload) and load it."""
        path = Path(file_path)
        if not path.is_file():
            raise ConfigurationError(f"{file_path}: no such file")
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputFileError(
                f"not a UTF-8 text file (byte {exc.start}); expected a {cls.file_name} in JSON",
                path=file_path,
            ) from exc
        return cls._load_string(text, kms_key, path.name, sagemaker_session)


class Statistics(ModelMonitoringFile):
    """A ``statistics.json``."""

    file_name = "statistics.json"
    model = StatisticsFile
    model_quality_model = ModelQualityStatisticsFile
    model_quality_keys = frozenset(
        {"binary_classification_metrics", "multiclass_classification_metrics", "regression_metrics"}
    )

    def __init__(
        self,
        body_dict: dict[str, Any],
        statistics_file_s3_uri: str,
        kms_key: str | None = None,
        sagemaker_session: Any = None,
    ) -> None:
        super().__init__(body_dict, statistics_file_s3_uri, kms_key, sagemaker_session)

    @classmethod
    def from_s3_uri(
        cls, statistics_file_s3_uri: str, kms_key: str | None = None, sagemaker_session: Any = None
    ) -> Statistics:
        """Load the file at ``statistics_file_s3_uri`` (a local path works too)."""
        return cls._load_uri(statistics_file_s3_uri, kms_key, sagemaker_session)

    @classmethod
    def from_string(
        cls,
        statistics_file_string: str,
        kms_key: str | None = None,
        file_name: str | None = None,
        sagemaker_session: Any = None,
    ) -> Statistics:
        """Store the text under ``$MODELMONITOR_HOME/monitoring/{uuid}/`` (the SDK uploads it) and load it."""
        return cls._load_string(statistics_file_string, kms_key, file_name, sagemaker_session)

    @classmethod
    def from_file_path(
        cls, statistics_file_path: str, kms_key: str | None = None, sagemaker_session: Any = None
    ) -> Statistics:
        return cls._load_path(statistics_file_path, kms_key, sagemaker_session)


class ConstraintViolations(ModelMonitoringFile):
    """A ``constraint_violations.json``."""

    file_name = "constraint_violations.json"
    model = ViolationsFile
    model_quality_model = ModelQualityViolationsFile

    @classmethod
    def _clarify_model(cls, body: dict[str, Any]) -> type[SageMakerFile] | None:
        violations = body.get("violations")
        kinds = {v.get("constraint_check_type") for v in violations or [] if isinstance(v, dict)}
        if "bias_drift_check" in kinds:
            return BiasViolationsFile
        if "feature_attribution_drift_check" in kinds:
            return AttributionViolationsFile
        return None

    @classmethod
    def _is_model_quality(cls, body: dict[str, Any]) -> bool:
        violations = body.get("violations")
        return isinstance(violations, list) and any(
            isinstance(v, dict) and "metric_name" in v for v in violations
        )

    def __init__(
        self,
        body_dict: dict[str, Any],
        constraint_violations_file_s3_uri: str,
        kms_key: str | None = None,
        sagemaker_session: Any = None,
    ) -> None:
        super().__init__(body_dict, constraint_violations_file_s3_uri, kms_key, sagemaker_session)

    @classmethod
    def from_s3_uri(
        cls,
        constraint_violations_file_s3_uri: str,
        kms_key: str | None = None,
        sagemaker_session: Any = None,
    ) -> ConstraintViolations:
        return cls._load_uri(constraint_violations_file_s3_uri, kms_key, sagemaker_session)

    @classmethod
    def from_string(
        cls,
        constraint_violations_file_string: str,
        kms_key: str | None = None,
        file_name: str | None = None,
        sagemaker_session: Any = None,
    ) -> ConstraintViolations:
        return cls._load_string(constraint_violations_file_string, kms_key, file_name, sagemaker_session)

    @classmethod
    def from_file_path(
        cls,
        constraint_violations_file_path: str,
        kms_key: str | None = None,
        sagemaker_session: Any = None,
    ) -> ConstraintViolations:
        return cls._load_path(constraint_violations_file_path, kms_key, sagemaker_session)


class Constraints(ModelMonitoringFile):
    """A ``constraints.json``; ``set_monitoring`` turns checks on or off globally or for one feature."""

    file_name = "constraints.json"
    model = ConstraintsFile
    model_quality_model = ModelQualityConstraintsFile
    model_quality_keys = frozenset(
        {
            "binary_classification_constraints",
            "multiclass_classification_constraints",
            "regression_constraints",
        }
    )

    @classmethod
    def _clarify_model(cls, body: dict[str, Any]) -> type[SageMakerFile] | None:
        # A Clarify monitor's constraints are its baseline's analysis.json.
        return AnalysisFile if not CLARIFY_ANALYSIS_KEYS.isdisjoint(body) else None

    def __init__(
        self,
        body_dict: dict[str, Any],
        constraints_file_s3_uri: str,
        kms_key: str | None = None,
        sagemaker_session: Any = None,
    ) -> None:
        super().__init__(body_dict, constraints_file_s3_uri, kms_key, sagemaker_session)

    @classmethod
    def from_s3_uri(
        cls, constraints_file_s3_uri: str, kms_key: str | None = None, sagemaker_session: Any = None
    ) -> Constraints:
        return cls._load_uri(constraints_file_s3_uri, kms_key, sagemaker_session)

    @classmethod
    def from_string(
        cls,
        constraints_file_string: str,
        kms_key: str | None = None,
        file_name: str | None = None,
        sagemaker_session: Any = None,
    ) -> Constraints:
        return cls._load_string(constraints_file_string, kms_key, file_name, sagemaker_session)

    @classmethod
    def from_file_path(
        cls, constraints_file_path: str, kms_key: str | None = None, sagemaker_session: Any = None
    ) -> Constraints:
        return cls._load_path(constraints_file_path, kms_key, sagemaker_session)

    def set_monitoring(self, enable_monitoring: bool, feature_name: str | None = None) -> None:
        """Write ``evaluate_constraints`` = Enabled/Disabled, for all features or one.

        For one feature the SDK writes ``string_constraints.monitoring_config_overrides``; a numeric
        feature (where the SDK fails) gets ``num_constraints.monitoring_config_overrides``.
        """
        status = "Enabled" if enable_monitoring else "Disabled"
        if feature_name is None:
            self.body_dict.setdefault("monitoring_config", {})["evaluate_constraints"] = status
            return
        for feature in self.body_dict.get("features", []):
            if feature.get("name") == feature_name:
                section = "string_constraints" if "string_constraints" in feature else "num_constraints"
                if section == "num_constraints" and feature.get("inferred_type") == "String":
                    section = "string_constraints"
                overrides = feature.setdefault(section, {}).setdefault("monitoring_config_overrides", {})
                overrides["evaluate_constraints"] = status
                return
        raise ConfigurationError(f"{self.file_s3_uri}: no feature named {feature_name!r}")
