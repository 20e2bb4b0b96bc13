"""A schedule as SageMaker's ``DescribeMonitoringSchedule`` returns it (docs/sagemaker.md).

The job definition is rendered inline (``MonitoringJobDefinition``) with SageMaker's keys; local paths
appear where SageMaker would show S3 URIs.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.processing_job_config import DEFAULT_INPUT_DESTINATION, DEFAULT_OUTPUT_SOURCE
from modelmonitor.model_monitor.execution import execution_summary
from modelmonitor.model_monitor.inputs import BatchTransformInput, EndpointInput, MonitoringOutput
from modelmonitor.model_monitor.processing import schedule_arn
from modelmonitor.service import Execution, Schedule

__all__ = ["describe_schedule_response"]


def describe_schedule_response(
    schedule: Schedule, job_definition_name: str | None, latest: Execution | None
) -> dict[str, Any]:
    """``DescribeMonitoringSchedule``'s response for a catalog schedule and its latest execution."""
    definition = JobDefinition.from_dict(schedule.definition)
    schedule_config: dict[str, Any] = {"ScheduleExpression": schedule.expression}
    if definition.data_analysis_start_time:
        schedule_config["DataAnalysisStartTime"] = definition.data_analysis_start_time
    if definition.data_analysis_end_time:
        schedule_config["DataAnalysisEndTime"] = definition.data_analysis_end_time
    attributes = asdict(definition.attributes)
    if definition.input_kind == "endpoint":
        assert definition.endpoint_name is not None
        monitoring_input = EndpointInput(
            endpoint_name=definition.endpoint_name,
            destination=definition.input_destination or DEFAULT_INPUT_DESTINATION,
            start_time_offset=definition.start_time_offset,
            end_time_offset=definition.end_time_offset,
            **attributes,
        )._to_request_dict()
    else:
        assert definition.capture_uri is not None
        monitoring_input = BatchTransformInput(
            data_captured_destination_s3_uri=definition.capture_uri,
            destination=definition.input_destination or "/opt/ml/processing/input",
            dataset_format=definition.dataset_format or {},
            start_time_offset=definition.start_time_offset,
            end_time_offset=definition.end_time_offset,
            **attributes,
        )._to_request_dict()
    app: dict[str, Any] = {}
    if definition.image_uri is not None:
        app["ImageUri"] = definition.image_uri
    if definition.command is not None:
        app["ContainerEntrypoint"] = list(definition.command)
    if definition.arguments:
        app["ContainerArguments"] = list(definition.arguments)
    if definition.record_preprocessor_script:
        app["RecordPreprocessorSourceUri"] = definition.record_preprocessor_script
    if definition.post_analytics_processor_script:
        app["PostAnalyticsProcessorSourceUri"] = definition.post_analytics_processor_script
    baseline: dict[str, Any] = {}
    if definition.baseline_constraints:
        baseline["ConstraintsResource"] = {"S3Uri": definition.baseline_constraints}
    if definition.baseline_statistics:
        baseline["StatisticsResource"] = {"S3Uri": definition.baseline_statistics}
    environment = dict(definition.environment)
    environment["publish_cloudwatch_metrics"] = (
        "Enabled" if definition.publish_cloudwatch_metrics else "Disabled"
    )
    job: dict[str, Any] = {
        "BaselineConfig": baseline,
        "MonitoringInputs": [monitoring_input],
        "MonitoringOutputConfig": {
            "MonitoringOutputs": [
                MonitoringOutput(
                    source=definition.output_source
                    or (DEFAULT_OUTPUT_SOURCE if definition.is_custom else "/opt/ml/processing/output"),
                    destination=definition.output_uri,
                )._to_request_dict()
            ]
        },
        "MonitoringAppSpecification": app,
        "StoppingCondition": {"MaxRuntimeInSeconds": definition.max_runtime_seconds},
        "Environment": environment,
    }
    described: dict[str, Any] = {
        "MonitoringScheduleArn": schedule_arn(schedule.name),
        "MonitoringScheduleName": schedule.name,
        "MonitoringScheduleStatus": schedule.status,
        "MonitoringType": schedule.monitoring_type,
        "CreationTime": schedule.created_at,
        "LastModifiedTime": schedule.modified_at,
        "MonitoringScheduleConfig": {
            "ScheduleConfig": schedule_config,
            "MonitoringJobDefinition": job,
            "MonitoringType": schedule.monitoring_type,
        },
    }
    if job_definition_name:
        described["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"] = job_definition_name
    if schedule.failure_reason:
        described["FailureReason"] = schedule.failure_reason
    if schedule.endpoint_name:
        described["EndpointName"] = schedule.endpoint_name
    if latest is not None:
        described["LastMonitoringExecutionSummary"] = execution_summary(latest)
    return described
