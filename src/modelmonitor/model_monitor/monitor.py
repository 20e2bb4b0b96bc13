"""``ModelMonitor`` and ``DefaultModelMonitor`` with the SageMaker SDK v2 signatures.

The SDK's surface: docs/sagemaker.md#python-sdk.

Baselining runs in this process (on the engine the monitor was given), so ``wait`` and ``logs`` have
nothing to wait for (the call returns when the files are written). Arguments that only make sense on AWS
(``role``, ``instance_type``, KMS keys, ``network_config``, ...) are accepted, kept as attributes and
ignored.
``baseline_dataset`` and ``output_s3_uri`` may be local paths or fsspec URIs; without an output URI
results go to ``$MODELMONITOR_HOME/baselining/{job_name}/results``.
"""

from __future__ import annotations

import logging
from typing import Any

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.engine_choice import EngineChoice
from modelmonitor.formats.exit_message import ExitMessage
from modelmonitor.formats.layout import join_uri
from modelmonitor.formats.statuses import ExecutionStatus, MonitoringType
from modelmonitor.model_monitor.data_quality_monitoring_config import DataQualityMonitoringConfig
from modelmonitor.model_monitor.inputs import BatchTransformInput, EndpointInput
from modelmonitor.model_monitor.monitoring_files import Constraints, Statistics
from modelmonitor.model_monitor.processing import OUTPUT_LOCAL_PATH, ProcessingOutput, describe_processing_job
from modelmonitor.model_monitor.schedule import MonitoringScheduleMixin, timestamped_name
from modelmonitor.model_monitor.session import session_of
from modelmonitor.service.baselines import (
    DataQualityResult,
    ModelBiasResult,
    ModelExplainabilityResult,
    ModelQualityResult,
    run_baseline,
    run_model_quality_baseline,
)

__all__ = ["BaseliningJob", "DefaultModelMonitor", "ModelMonitor"]

_log = logging.getLogger(__name__)

# What a baselining job of any built-in monitor returns.
BaselineResult = DataQualityResult | ModelQualityResult | ModelBiasResult | ModelExplainabilityResult

BASELINING_JOB_BASE_NAME = "baseline-suggestion-job"


class BaseliningJob:
    """A baselining job (the SDK's ``BaseliningJob``): its name, output and files.

    The job runs in the calling process, so it has ended when ``suggest_baseline`` returns: ``wait`` has
    nothing to wait for, and ``describe`` reports the processing job as ``Completed``.
    """

    def __init__(self, job_name: str, output_uri: str, result: BaselineResult) -> None:
        self.job_name = job_name
        self.output_uri = output_uri
        self.result = result
        self.output = ProcessingOutput(
            source=OUTPUT_LOCAL_PATH, destination=output_uri, output_name="monitoring_output"
        )
        self.outputs = [self.output]
        self.inputs: list[Any] = []

    def wait(self, logs: bool = True) -> None:
        """The job has already ended (it runs in this process); with ``logs``, print its summary."""
        if logs:
            print(f"{self.job_name}: {self.result.bad_record_count} bad records; files in {self.output_uri}")

    def describe(self) -> dict[str, Any]:
        """``DescribeProcessingJob``'s response (``BadRecords`` is ours: rows that could not be read)."""
        return describe_processing_job(
            self.job_name,
            ExecutionStatus.COMPLETED,
            self.output,
            exit_message=ExitMessage.completed(0).text,
            extra={"BadRecords": self.result.bad_record_count},
        )

    def baseline_statistics(
        self, file_name: str = "statistics.json", kms_key: str | None = None
    ) -> Statistics:
        return Statistics.from_s3_uri(join_uri(self.output_uri, file_name), kms_key=kms_key)

    def suggested_constraints(
        self, file_name: str = "constraints.json", kms_key: str | None = None
    ) -> Constraints:
        return Constraints.from_s3_uri(join_uri(self.output_uri, file_name), kms_key=kms_key)


class ModelMonitor(MonitoringScheduleMixin):
    """Base monitor: keeps the SDK's constructor arguments and the baselining jobs it ran."""

    def __init__(
        self,
        role: str | None = None,
        image_uri: str | None = None,
        instance_count: int = 1,
        instance_type: str = "ml.m5.xlarge",
        entrypoint: list[str] | None = None,
        volume_size_in_gb: int = 30,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        max_runtime_in_seconds: int | None = None,
        base_job_name: str | None = None,
        sagemaker_session: Any = None,
        env: dict[str, str] | None = None,
        tags: list[dict[str, str]] | None = None,
        network_config: Any = None,
    ) -> None:
        self.role = role
        self.image_uri = image_uri
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.entrypoint = entrypoint
        self.volume_size_in_gb = volume_size_in_gb
        self.volume_kms_key = volume_kms_key
        self.output_kms_key = output_kms_key
        self.max_runtime_in_seconds = max_runtime_in_seconds
        self.base_job_name = base_job_name
        self.sagemaker_session = session_of(sagemaker_session)
        self.env = env
        self.tags = tags
        self.network_config = network_config
        self.baselining_jobs: list[BaseliningJob] = []
        self.latest_baselining_job: BaseliningJob | None = None
        self.latest_baselining_job_name: str | None = None

    def _baselining_target(self, job_name: str | None, output_s3_uri: str | None) -> tuple[str, str]:
        """The job's name (SageMaker's timestamped default) and its output (default under the home)."""
        name = job_name or timestamped_name(self.base_job_name or BASELINING_JOB_BASE_NAME)
        return name, output_s3_uri or str(
            self.sagemaker_session.settings.home / "baselining" / name / "results"
        )

    def _record_baselining_job(self, name: str, output: str, result: BaselineResult) -> BaseliningJob:
        job = BaseliningJob(name, output, result)
        self.baselining_jobs.append(job)
        self.latest_baselining_job = job
        self.latest_baselining_job_name = job.job_name
        return job

    def describe_latest_baselining_job(self) -> dict[str, Any]:
        if self.latest_baselining_job is None:
            raise ConfigurationError(
                "no baselining job has run for this monitor; call suggest_baseline first"
            )
        return self.latest_baselining_job.describe()

    def baseline_statistics(
        self, file_name: str = "statistics.json", kms_key: str | None = None
    ) -> Statistics | None:
        """Statistics of the latest baselining job; None (with a warning) if there is none."""
        job = self._latest_baselining_job_or_warn()
        return None if job is None else job.baseline_statistics(file_name, kms_key)

    def suggested_constraints(
        self, file_name: str = "constraints.json", kms_key: str | None = None
    ) -> Constraints | None:
        """Constraints of the latest baselining job; None (with a warning) if there is none."""
        job = self._latest_baselining_job_or_warn()
        return None if job is None else job.suggested_constraints(file_name, kms_key)

    def _latest_baselining_job_or_warn(self) -> BaseliningJob | None:
        # The SDK warns and returns None here rather than raising, so notebooks keep running.
        if self.latest_baselining_job is None:
            _log.warning("No baselining job found for this monitor; call suggest_baseline first")
        return self.latest_baselining_job


class BuiltInModelMonitor(ModelMonitor):
    """What the built-in monitors share: the SDK's constructor without ``image_uri`` and ``entrypoint``
    (the monitor's type picks the image), plus ``engine`` (ours): ``"local"`` (default), ``"spark"`` or
    an ``EngineChoice`` with a Spark master and settings, for ``suggest_baseline`` and the monitor's
    scheduled executions (docs/spark.md)."""

    def __init__(
        self,
        role: str | None = None,
        instance_count: int = 1,
        instance_type: str = "ml.m5.xlarge",
        volume_size_in_gb: int = 30,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        max_runtime_in_seconds: int | None = None,
        base_job_name: str | None = None,
        sagemaker_session: Any = None,
        env: dict[str, str] | None = None,
        tags: list[dict[str, str]] | None = None,
        network_config: Any = None,
        engine: str | EngineChoice | None = None,
    ) -> None:
        self.engine = engine if isinstance(engine, EngineChoice) else EngineChoice.parse(engine)
        super().__init__(
            role=role,
            instance_count=instance_count,
            instance_type=instance_type,
            volume_size_in_gb=volume_size_in_gb,
            volume_kms_key=volume_kms_key,
            output_kms_key=output_kms_key,
            max_runtime_in_seconds=max_runtime_in_seconds,
            base_job_name=base_job_name,
            sagemaker_session=sagemaker_session,
            env=env,
            tags=tags,
            network_config=network_config,
        )


class DefaultModelMonitor(BuiltInModelMonitor):
    """The built-in data-quality monitor (SageMaker's ``DefaultModelMonitor``)."""

    @staticmethod
    def monitoring_type() -> str:
        return MonitoringType.DATA_QUALITY.value

    def suggest_baseline(
        self,
        baseline_dataset: str,
        dataset_format: dict[str, Any],
        record_preprocessor_script: str | None = None,
        post_analytics_processor_script: str | None = None,
        output_s3_uri: str | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        monitoring_config_override: DataQualityMonitoringConfig | None = None,
    ) -> BaseliningJob:
        """Compute ``statistics.json`` and suggest ``constraints.json`` for ``baseline_dataset``."""
        name, output = self._baselining_target(job_name, output_s3_uri)
        method = monitoring_config_override.categorical_drift_method if monitoring_config_override else None
        result = run_baseline(
            baseline_dataset,
            dataset_format,
            output,
            categorical_drift_method=method,  # type: ignore[arg-type]
            record_preprocessor_script=record_preprocessor_script,
            post_analytics_processor_script=post_analytics_processor_script,
            engine=self.engine,
        )
        return self._record_baselining_job(name, output, result)


class ModelQualityMonitor(BuiltInModelMonitor):
    """The built-in model-quality monitor (SageMaker's ``ModelQualityMonitor``): predictions merged with
    their ground-truth labels, every metric of the problem type checked against the baseline."""

    @staticmethod
    def monitoring_type() -> str:
        return MonitoringType.MODEL_QUALITY.value

    def suggest_baseline(
        self,
        baseline_dataset: str,
        dataset_format: dict[str, Any],
        problem_type: str,
        inference_attribute: str | None = None,
        probability_attribute: str | None = None,
        ground_truth_attribute: str | None = None,
        probability_threshold_attribute: float | None = None,
        post_analytics_processor_script: str | None = None,
        output_s3_uri: str | None = None,
        wait: bool = False,
        logs: bool = False,
        job_name: str | None = None,
    ) -> BaseliningJob:
        """Every metric of ``problem_type`` over a CSV of predictions and labels, and the suggested
        constraints (``inference_attribute`` & co. name its columns, or index them without a header)."""
        name, output = self._baselining_target(job_name, output_s3_uri)
        result = run_model_quality_baseline(
            baseline_dataset,
            dataset_format,
            output,
            problem_type=problem_type,  # type: ignore[arg-type]  # checked by the service
            inference_attribute=inference_attribute,
            probability_attribute=probability_attribute,
            ground_truth_attribute=ground_truth_attribute,
            probability_threshold_attribute=probability_threshold_attribute,
            post_analytics_processor_script=post_analytics_processor_script,
            engine=self.engine,
        )
        return self._record_baselining_job(name, output, result)

    def create_monitoring_schedule(  # type: ignore[override]  # SageMaker's ModelQualityMonitor signature
        self,
        endpoint_input: EndpointInput | str | None = None,
        ground_truth_input: str | None = None,
        problem_type: str | None = None,
        record_preprocessor_script: str | None = None,
        post_analytics_processor_script: str | None = None,
        output_s3_uri: str | None = None,
        constraints: Any = None,
        monitor_schedule_name: str | None = None,
        schedule_cron_expression: str | None = None,
        enable_cloudwatch_metrics: bool = True,
        batch_transform_input: BatchTransformInput | None = None,
        data_analysis_start_time: str | None = None,
        data_analysis_end_time: str | None = None,
    ) -> None:
        """Create the schedule: ``ground_truth_input`` is the labels' prefix (``upload_ground_truth``'s
        destination), ``problem_type`` one of BinaryClassification, MulticlassClassification, Regression."""
        if ground_truth_input is None or problem_type is None:
            raise ConfigurationError(
                "ModelQualityMonitor.create_monitoring_schedule needs ground_truth_input (the labels' "
                "location) and problem_type (BinaryClassification, MulticlassClassification or Regression)"
            )
        self._definition_inputs = (
            ("ground_truth_uri", ground_truth_input),
            ("problem_type", problem_type),
        )
        super().create_monitoring_schedule(
            endpoint_input=endpoint_input,
            record_preprocessor_script=record_preprocessor_script,
            post_analytics_processor_script=post_analytics_processor_script,
            output_s3_uri=output_s3_uri,
            constraints=constraints,
            monitor_schedule_name=monitor_schedule_name,
            schedule_cron_expression=schedule_cron_expression,
            enable_cloudwatch_metrics=enable_cloudwatch_metrics,
            batch_transform_input=batch_transform_input,
            data_analysis_start_time=data_analysis_start_time,
            data_analysis_end_time=data_analysis_end_time,
        )
