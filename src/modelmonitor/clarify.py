"""Clarify's configuration classes with the SageMaker Python SDK's names and signatures.

``DataConfig``, ``BiasConfig``, ``ModelConfig``, ``ModelPredictedLabelConfig`` and ``SHAPConfig`` take
the arguments of ``sagemaker.clarify``'s classes and give the same parts of ``analysis_config.json``
(``get_config()``, ``get_predictor_config()``, ``get_explainability_config()``); `analysis_config`
puts them together as the SDK does (adding ``methods.report``), and every class reads itself back from
an `AnalysisConfig` with ``from_analysis_config``. So a Clarify configuration file works here unchanged,
and one written here works in Clarify. Where the SDK's data would be in S3 any path or fsspec URI is
taken as is. What is not supported (segmentation, time series, text and image explanations) is refused
with a ``ConfigurationError`` rather than ignored. Details: docs/clarify.md#configuration-classes.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import AGG_METHODS, AnalysisConfig

__all__ = [
    "BiasConfig",
    "DataConfig",
    "ModelConfig",
    "ModelPredictedLabelConfig",
    "SHAPConfig",
    "analysis_config",
]

Scalar = int | float | str
DATASET_TYPES = ("text/csv", "application/jsonlines", "application/json", "application/x-parquet")
MODEL_CONTENT_TYPES = ("text/csv", "application/jsonlines", "application/json")


def _put(config: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        config[key] = value


def _unsupported(name: str, value: Any) -> None:
    if value is not None:
        raise ConfigurationError(f"{name} is not supported by modelmonitor's Clarify monitors; leave it None")


class DataConfig:
    """Where the data set is and how to read it (SDK: ``sagemaker.clarify.DataConfig``)."""

    def __init__(
        self,
        s3_data_input_path: str,
        s3_output_path: str,
        s3_analysis_config_output_path: str | None = None,
        label: str | None = None,
        headers: list[str] | None = None,
        features: str | None = None,
        dataset_type: str = "text/csv",
        s3_compression_type: str = "None",
        joinsource: str | int | None = None,
        facet_dataset_uri: str | None = None,
        facet_headers: list[str] | None = None,
        predicted_label_dataset_uri: str | None = None,
        predicted_label_headers: list[str] | None = None,
        predicted_label: str | int | None = None,
        excluded_columns: list[int] | list[str] | None = None,
        segmentation_config: Any = None,
        time_series_data_config: Any = None,
    ) -> None:
        if dataset_type not in DATASET_TYPES:
            raise ConfigurationError(f"dataset_type {dataset_type!r} is not one of {list(DATASET_TYPES)}")
        if dataset_type != "text/csv" and (facet_dataset_uri or facet_headers):
            raise ConfigurationError(
                f"facet_dataset_uri and facet_headers need dataset_type 'text/csv', not {dataset_type!r}"
            )
        if dataset_type == "application/json" and features is None:
            raise ConfigurationError("dataset_type 'application/json' needs features (a JMESPath expression)")
        _unsupported("segmentation_config", segmentation_config)
        _unsupported("time_series_data_config", time_series_data_config)
        self.s3_data_input_path = s3_data_input_path
        self.s3_output_path = s3_output_path
        self.s3_analysis_config_output_path = s3_analysis_config_output_path
        self.s3_compression_type = s3_compression_type
        self.label = label
        self.headers = headers
        self.features = features
        self.dataset_type = dataset_type
        self.analysis_config: dict[str, Any] = {"dataset_type": dataset_type}
        for key, value in (
            ("features", features),
            ("headers", headers),
            ("label", label),
            ("joinsource_name_or_index", joinsource),
            ("facet_dataset_uri", facet_dataset_uri),
            ("facet_headers", facet_headers),
            ("predicted_label_dataset_uri", predicted_label_dataset_uri),
            ("predicted_label_headers", predicted_label_headers),
            ("predicted_label", predicted_label),
            ("excluded_columns", excluded_columns),
        ):
            _put(self.analysis_config, key, value)

    def get_config(self) -> dict[str, Any]:
        return copy.deepcopy(self.analysis_config)

    @classmethod
    def from_analysis_config(
        cls, config: AnalysisConfig, *, s3_data_input_path: str, s3_output_path: str
    ) -> DataConfig:
        """The data part of a read ``analysis_config.json`` (the file does not say where the data is)."""
        return cls(
            s3_data_input_path,
            s3_output_path,
            label=None if config.label is None else str(config.label),
            headers=config.headers,
            features=config.features,
            dataset_type=config.dataset_type or "text/csv",
            joinsource=config.joinsource_name_or_index,
            facet_dataset_uri=config.facet_dataset_uri,
            facet_headers=config.facet_headers,
            predicted_label_dataset_uri=config.predicted_label_dataset_uri,
            predicted_label_headers=config.predicted_label_headers,
            predicted_label=config.predicted_label,
            excluded_columns=config.excluded_columns,
        )


class BiasConfig:
    """Positive outcome, sensitive facet(s) and group variable (SDK: ``sagemaker.clarify.BiasConfig``)."""

    def __init__(
        self,
        label_values_or_threshold: list[Scalar],
        facet_name: str | int | list[str] | list[int],
        facet_values_or_threshold: Any = None,
        group_name: str | None = None,
    ) -> None:
        if isinstance(facet_name, list):
            if not facet_name:
                raise ConfigurationError("facet_name is an empty list: give at least one facet")
            if facet_values_or_threshold is None:
                facets: list[dict[str, Any]] = [{"name_or_index": name} for name in facet_name]
            elif len(facet_values_or_threshold) == len(facet_name):
                facets = []
                for name, values in zip(facet_name, facet_values_or_threshold, strict=True):
                    facet: dict[str, Any] = {"name_or_index": name}
                    _put(facet, "value_or_threshold", values)
                    facets.append(facet)
            else:
                raise ConfigurationError(
                    f"{len(facet_name)} facet names but {len(facet_values_or_threshold)} facet values"
                )
        else:
            facet = {"name_or_index": facet_name}
            _put(facet, "value_or_threshold", facet_values_or_threshold)
            facets = [facet]
        self.analysis_config: dict[str, Any] = {
            "label_values_or_threshold": label_values_or_threshold,
            "facet": facets,
        }
        _put(self.analysis_config, "group_variable", group_name)

    def get_config(self) -> dict[str, Any]:
        return copy.deepcopy(self.analysis_config)

    @classmethod
    def from_analysis_config(cls, config: AnalysisConfig) -> BiasConfig:
        if not config.label_values_or_threshold or not config.facet:
            raise ConfigurationError("analysis_config.json has no label_values_or_threshold or no facet")
        names = [facet.name_or_index for facet in config.facet]
        values = [facet.value_or_threshold for facet in config.facet]
        group = None if config.group_variable is None else str(config.group_variable)
        if len(names) == 1:
            return cls(list(config.label_values_or_threshold), names[0], values[0], group)
        return cls(
            list(config.label_values_or_threshold),
            names,  # type: ignore[arg-type]
            None if all(v is None for v in values) else values,
            group,
        )


class ModelConfig:
    """How to reach the model (SDK: ``sagemaker.clarify.ModelConfig``): an existing endpoint by
    ``endpoint_name``, or a model by ``model_name`` (here ``instance_count``/``instance_type`` are kept
    in the file but not needed). ``endpoint_url`` is ours: the URL of the model server that the
    explainability monitor calls with SHAP's synthetic rows (the server itself, not the capture proxy in
    front of it, so those calls are not captured); with it, endpoint and model names are optional."""

    def __init__(
        self,
        model_name: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        accept_type: str | None = None,
        content_type: str | None = None,
        content_template: str | None = None,
        record_template: str | None = None,
        custom_attributes: str | None = None,
        accelerator_type: str | None = None,
        endpoint_name_prefix: str | None = None,
        target_model: str | None = None,
        endpoint_name: str | None = None,
        time_series_model_config: Any = None,
        endpoint_url: str | None = None,
    ) -> None:
        if endpoint_name and model_name:
            raise ConfigurationError("give exactly one of endpoint_name and model_name")
        if not (endpoint_name or model_name or endpoint_url):
            raise ConfigurationError(
                "give endpoint_name or model_name (and endpoint_url, the model server's URL, to explain it)"
            )
        if endpoint_url is not None and not endpoint_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"endpoint_url {endpoint_url!r}: expected an http:// or https:// URL")
        if endpoint_name and endpoint_name_prefix:
            raise ConfigurationError("endpoint_name_prefix is for a new endpoint; not with endpoint_name")
        _unsupported("time_series_model_config", time_series_model_config)
        for name, value in (("accept_type", accept_type), ("content_type", content_type)):
            if value is not None and value not in MODEL_CONTENT_TYPES:
                raise ConfigurationError(f"{name} {value!r} is not one of {list(MODEL_CONTENT_TYPES)}")
        if content_type == "application/jsonlines" and (
            content_template is None or "$features" not in content_template
        ):
            raise ConfigurationError(
                "content_type 'application/jsonlines' needs a content_template with $features"
            )
        if content_type == "application/json" and (
            content_template is None or record_template is None or "$record" not in content_template
        ):
            raise ConfigurationError(
                "content_type 'application/json' needs a content_template with $record or $records "
                "and a record_template"
            )
        config: dict[str, Any] = (
            {"endpoint_name": endpoint_name}
            if endpoint_name or not model_name
            else {
                "model_name": model_name,
                "instance_type": instance_type,
                "initial_instance_count": instance_count,
            }
        )
        config = {key: value for key, value in config.items() if value is not None}
        for key, value in (
            ("endpoint_name_prefix", endpoint_name_prefix),
            ("accept_type", accept_type),
            ("content_type", content_type),
            ("content_template", content_template),
            ("record_template", record_template),
            ("custom_attributes", custom_attributes),
            ("accelerator_type", accelerator_type),
            ("target_model", target_model),
            ("endpoint_url", endpoint_url),
        ):
            _put(config, key, value)
        self.predictor_config = config

    def get_predictor_config(self) -> dict[str, Any]:
        return copy.deepcopy(self.predictor_config)


class ModelPredictedLabelConfig:
    """Where the predicted label or score is in the model's output (SDK: same name)."""

    def __init__(
        self,
        label: str | int | None = None,
        probability: str | int | None = None,
        probability_threshold: float | None = None,
        label_headers: list[str] | None = None,
    ) -> None:
        if probability_threshold is not None:
            try:
                probability_threshold = float(probability_threshold)
            except (TypeError, ValueError) as exc:
                raise ConfigurationError(
                    f"probability_threshold must be a number, got {probability_threshold!r}"
                ) from exc
        self.label = label
        self.probability = probability
        self.probability_threshold = probability_threshold
        self.label_headers = label_headers
        self.predictor_config: dict[str, Any] = {}
        _put(self.predictor_config, "label", label)
        _put(self.predictor_config, "probability", probability)
        _put(self.predictor_config, "label_headers", label_headers)

    def get_predictor_config(self) -> tuple[float | None, dict[str, Any]]:
        return self.probability_threshold, copy.deepcopy(self.predictor_config)


class SHAPConfig:
    """Kernel SHAP settings (SDK: ``sagemaker.clarify.SHAPConfig``)."""

    def __init__(
        self,
        baseline: str | list[Any] | dict[str, Any] | None = None,
        num_samples: int | None = None,
        agg_method: str | None = None,
        use_logit: bool = False,
        save_local_shap_values: bool = True,
        seed: int | None = None,
        num_clusters: int | None = None,
        text_config: Any = None,
        image_config: Any = None,
        features_to_explain: list[str | int] | None = None,
    ) -> None:
        if agg_method is not None and agg_method not in AGG_METHODS:
            raise ConfigurationError(f"agg_method {agg_method!r} is not one of {list(AGG_METHODS)}")
        if num_clusters is not None and baseline is not None:
            raise ConfigurationError("give baseline or num_clusters, not both")
        if num_samples is not None and num_samples < 1:
            raise ConfigurationError(f"num_samples must be at least 1, got {num_samples}")
        _unsupported("text_config", text_config)
        _unsupported("image_config", image_config)
        self.shap_config: dict[str, Any] = {
            "use_logit": use_logit,
            "save_local_shap_values": save_local_shap_values,
        }
        for key, value in (
            ("baseline", baseline),
            ("num_samples", num_samples),
            ("agg_method", agg_method),
            ("seed", seed),
            ("num_clusters", num_clusters),
            ("features_to_explain", features_to_explain),
        ):
            _put(self.shap_config, key, value)

    def get_explainability_config(self) -> dict[str, Any]:
        return copy.deepcopy({"shap": self.shap_config})

    @classmethod
    def from_analysis_config(cls, config: AnalysisConfig) -> SHAPConfig:
        if config.methods is None or config.methods.shap is None:
            raise ConfigurationError("analysis_config.json has no methods.shap")
        shap = config.methods.shap
        return cls(
            baseline=shap.baseline,
            num_samples=shap.num_samples,
            agg_method=shap.agg_method,
            use_logit=bool(shap.use_logit),
            save_local_shap_values=True
            if shap.save_local_shap_values is None
            else shap.save_local_shap_values,
            seed=shap.seed,
            num_clusters=shap.num_clusters,
            features_to_explain=shap.features_to_explain,
        )


def analysis_config(
    data_config: DataConfig | None = None,
    bias_config: BiasConfig | None = None,
    model_config: ModelConfig | None = None,
    model_predicted_label_config: ModelPredictedLabelConfig | None = None,
    explainability_config: SHAPConfig | None = None,
    pre_training_methods: str | Sequence[str] | None = None,
    post_training_methods: str | Sequence[str] | None = None,
) -> AnalysisConfig:
    """The ``analysis_config.json`` the SDK's processor would write for these parts (``.write(path)``)."""
    if not (pre_training_methods or post_training_methods or explainability_config):
        raise ConfigurationError(
            "nothing to compute: give pre_training_methods, post_training_methods or explainability_config"
        )
    if explainability_config is not None and model_config is None:
        raise ConfigurationError("SHAP needs the model: give model_config")
    config: dict[str, Any] = {}
    if data_config is not None:
        config |= data_config.get_config()
    if bias_config is not None:
        config |= bias_config.get_config()
    methods: dict[str, Any] = {"report": {"name": "report", "title": "Analysis Report"}}
    if pre_training_methods:
        methods["pre_training_bias"] = {"methods": _methods(pre_training_methods)}
    if post_training_methods:
        methods["post_training_bias"] = {"methods": _methods(post_training_methods)}
    if explainability_config is not None:
        methods |= explainability_config.get_explainability_config()
    config["methods"] = methods
    if model_config is not None:
        config["predictor"] = model_config.get_predictor_config()
    if model_predicted_label_config is not None:
        threshold, predictor = model_predicted_label_config.get_predictor_config()
        if "predictor" in config:
            config["predictor"] |= predictor
        _put(config, "probability_threshold", threshold)
    return AnalysisConfig.from_data(config, source="analysis_config")


def _methods(methods: str | Sequence[str]) -> str | list[str]:
    return methods if isinstance(methods, str) else list(methods)
