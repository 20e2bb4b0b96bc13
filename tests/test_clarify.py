"""modelmonitor.clarify: the SDK's Clarify config classes write and read analysis_config.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modelmonitor.clarify import (
    BiasConfig,
    DataConfig,
    ModelConfig,
    ModelPredictedLabelConfig,
    SHAPConfig,
    analysis_config,
)
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import AnalysisConfig

REPORT = {"name": "report", "title": "Analysis Report"}


def _written_and_read(config: AnalysisConfig, folder: Path) -> dict[str, Any]:
    path = folder / "analysis_config.json"
    config.write(path)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert AnalysisConfig.from_path(path) == config
    return data


def test_bias_config_file(tmp_path: Path) -> None:
    data_config = DataConfig(
        s3_data_input_path=str(tmp_path / "data.csv"),
        s3_output_path=str(tmp_path / "out"),
        label="target",
        headers=["age", "sex", "income", "target"],
        dataset_type="text/csv",
    )
    bias_config = BiasConfig(
        label_values_or_threshold=[1], facet_name="sex", facet_values_or_threshold=[0], group_name="age"
    )
    config = analysis_config(
        data_config=data_config,
        bias_config=bias_config,
        model_config=ModelConfig(endpoint_name="churn", content_type="text/csv", accept_type="text/csv"),
        model_predicted_label_config=ModelPredictedLabelConfig(probability_threshold=0.8),
        pre_training_methods="all",
        post_training_methods=["DPPL", "DI"],
    )
    assert _written_and_read(config, tmp_path) == {
        "dataset_type": "text/csv",
        "headers": ["age", "sex", "income", "target"],
        "label": "target",
        "label_values_or_threshold": [1],
        "probability_threshold": 0.8,
        "facet": [{"name_or_index": "sex", "value_or_threshold": [0]}],
        "group_variable": "age",
        "methods": {
            "pre_training_bias": {"methods": "all"},
            "post_training_bias": {"methods": ["DPPL", "DI"]},
            "report": REPORT,
        },
        "predictor": {"endpoint_name": "churn", "content_type": "text/csv", "accept_type": "text/csv"},
    }
    read = AnalysisConfig.from_path(tmp_path / "analysis_config.json")
    assert BiasConfig.from_analysis_config(read).get_config() == bias_config.get_config()
    again = DataConfig.from_analysis_config(read, s3_data_input_path="d", s3_output_path="o")
    assert again.get_config() == data_config.get_config()


def test_real_clarify_config_is_rebuilt_from_its_parts(conformance_dir: Path) -> None:
    path = conformance_dir / "ex-fraud-detection/config/analysis_config.json"
    real = AnalysisConfig.from_path(path)
    bias = BiasConfig.from_analysis_config(real)
    data = DataConfig.from_analysis_config(real, s3_data_input_path="train.csv", s3_output_path="out")
    rebuilt = analysis_config(data_config=data, bias_config=bias, pre_training_methods="all")
    expected = json.loads(path.read_text(encoding="utf-8"))
    expected["methods"]["report"] = REPORT  # today's SDK adds it; the file's older SDK did not
    assert rebuilt.to_dict() == expected


def test_shap_config_file(tmp_path: Path) -> None:
    shap = SHAPConfig(
        baseline=[[0.44, 0.52, 0.21]], num_samples=100, agg_method="mean_abs", save_local_shap_values=False
    )
    model = ModelConfig(
        model_name="my-model",
        instance_type="ml.m5.xlarge",
        instance_count=1,
        content_type="application/jsonlines",
        accept_type="application/jsonlines",
        content_template='{"features":$features}',
    )
    config = analysis_config(
        data_config=DataConfig("in", "out", headers=["f1", "f2", "f3"]),
        model_config=model,
        model_predicted_label_config=ModelPredictedLabelConfig(label_headers=["yes"]),
        explainability_config=shap,
    )
    written = _written_and_read(config, tmp_path)
    assert written["methods"] == {
        "report": REPORT,
        "shap": {
            "baseline": [[0.44, 0.52, 0.21]],
            "num_samples": 100,
            "agg_method": "mean_abs",
            "use_logit": False,
            "save_local_shap_values": False,
        },
    }
    assert written["predictor"] == {
        "model_name": "my-model",
        "instance_type": "ml.m5.xlarge",
        "initial_instance_count": 1,
        "accept_type": "application/jsonlines",
        "content_type": "application/jsonlines",
        "content_template": '{"features":$features}',
        "label_headers": ["yes"],
    }
    read = AnalysisConfig.from_path(tmp_path / "analysis_config.json")
    assert (
        SHAPConfig.from_analysis_config(read).get_explainability_config() == shap.get_explainability_config()
    )


def test_several_facets() -> None:
    config = BiasConfig([1], ["sex", "age"], [[0], [40]], group_name="region").get_config()
    assert config["facet"] == [
        {"name_or_index": "sex", "value_or_threshold": [0]},
        {"name_or_index": "age", "value_or_threshold": [40]},
    ]
    assert BiasConfig([1], ["sex", "race"]).get_config()["facet"] == [
        {"name_or_index": "sex"},
        {"name_or_index": "race"},
    ]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: SHAPConfig(agg_method="mean"), "agg_method 'mean' is not one of"),
        (lambda: SHAPConfig(baseline=[[1]], num_clusters=3), "baseline or num_clusters"),
        (lambda: SHAPConfig(text_config=object()), "text_config is not supported"),
        (lambda: BiasConfig([1], ["a", "b"], [[0]]), "2 facet names but 1 facet values"),
        (lambda: DataConfig("i", "o", dataset_type="text/plain"), "dataset_type 'text/plain'"),
        (lambda: DataConfig("i", "o", dataset_type="application/json"), "needs features"),
        (lambda: ModelConfig(), "give endpoint_name or model_name"),
        (
            lambda: ModelConfig(endpoint_name="e", model_name="m"),
            "exactly one of endpoint_name and model_name",
        ),
        (lambda: ModelConfig(endpoint_url="127.0.0.1:8080"), "expected an http:// or https:// URL"),
        (
            lambda: ModelConfig(
                endpoint_name="e", content_type="application/jsonlines", content_template="{}"
            ),
            r"content_template with \$features",
        ),
        (
            lambda: ModelPredictedLabelConfig(probability_threshold="high"),
            "probability_threshold must be a number",
        ),  # type: ignore[arg-type]
        (lambda: analysis_config(data_config=DataConfig("i", "o")), "nothing to compute"),
        (lambda: analysis_config(explainability_config=SHAPConfig()), "SHAP needs the model"),
    ],
    ids=[
        "agg-method",
        "baseline-and-clusters",
        "text",
        "facet-count",
        "dataset-type",
        "json-features",
        "no-model",
        "endpoint-and-model",
        "endpoint-url-scheme",
        "jsonlines-template",
        "threshold",
        "no-method",
        "shap-without-model",
    ],
)
def test_wrong_arguments_are_refused_clearly(build: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        build()


def test_model_config_endpoint_url_names_the_model_server_in_the_predictor() -> None:
    url = "http://127.0.0.1:8080/invocations"
    assert ModelConfig(endpoint_url=url).get_predictor_config() == {"endpoint_url": url}
    config = ModelConfig(endpoint_name="churn", content_type="text/csv", endpoint_url=url)
    assert config.get_predictor_config() == {
        "endpoint_name": "churn",
        "content_type": "text/csv",
        "endpoint_url": url,
    }
