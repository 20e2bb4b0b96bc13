"""Real inputs for the monitoring tests: capture files written by the capture pipeline, and a baseline.

Records are CSV: input ``f1,f2,f3``, output ``label`` (so rows are ``label,f1,f2,f3``, output first).
From ``drift_from`` on, ``f1`` is shifted far from the baseline, which the checker reports as drift.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa

from modelmonitor.analyzers.data_quality import profile_batches
from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.pipeline import CapturePipeline
from modelmonitor.constraints.data_quality import suggest
from modelmonitor.jobs.contract import JobContract

FEATURES = ["label", "f1", "f2", "f3"]


def _row(rng: random.Random, shifted: bool) -> tuple[str, str]:
    f1 = rng.gauss(50.0 if shifted else 5.0, 1.0)
    f2 = rng.gauss(0.0, 1.0)
    f3 = rng.randint(0, 9)
    label = "1" if f2 > 0 else "0"
    return f"{f1:.4f},{f2:.4f},{f3}", label


def write_capture(
    destination: Path,
    endpoint: str,
    start: datetime,
    hours: int,
    per_hour: int = 20,
    drift_from: datetime | None = None,
    seed: int = 7,
    id_format: str = "{hour}-{index}",
) -> int:
    """Capture ``per_hour`` calls in each of ``hours`` hours from ``start`` through the capture pipeline.

    Each call's inference id is ``id_format`` filled with its hour and its index within the hour.
    """
    rng = random.Random(seed)
    now = [start.timestamp()]
    pipeline = CapturePipeline(
        CaptureSettings(endpoint_name=endpoint, destination=str(destination), sampling_percentage=100.0),
        disk_probe=lambda: 0.0,
        clock=lambda: now[0],
    )
    pipeline.start()
    count = 0
    for hour in range(hours):
        for index in range(per_hour):
            moment = start + timedelta(hours=hour, seconds=index * (3600 // per_hour) + 1)
            now[0] = moment.timestamp()
            payload, label = _row(rng, drift_from is not None and moment >= drift_from)
            queued = pipeline.submit(
                status=200,
                request_body=payload.encode(),
                request_content_type="text/csv",
                response_body=label.encode(),
                response_content_type="text/csv",
                inference_id=id_format.format(hour=hour, index=index),
            )
            count += int(queued)
    pipeline.close()
    return count


def write_baseline(folder: Path, rows: int = 500, seed: int = 3, shifted: bool = False) -> tuple[Path, Path]:
    """statistics.json and constraints.json of data shaped like the captured records (no drift; with
    ``shifted``, ``f1`` drifted as in captured records from ``drift_from`` on)."""
    rng = random.Random(seed)
    columns: dict[str, list[str]] = {name: [] for name in FEATURES}
    for _ in range(rows):
        payload, label = _row(rng, shifted)
        f1, f2, f3 = payload.split(",")
        for name, value in zip(FEATURES, (label, f1, f2, f3), strict=True):
            columns[name].append(value)
    profile = profile_batches(pa.table(columns).to_batches())
    statistics = profile.to_statistics()
    folder.mkdir(parents=True, exist_ok=True)
    statistics.write(folder / "statistics.json")
    suggest(statistics).write(folder / "constraints.json")
    return folder / "statistics.json", folder / "constraints.json"


def write_labels(capture: Path, labels_csv: Path, wrong_every: int = 0) -> int:
    """The true labels of every captured call as an ``inference_id,label`` CSV (ground-truth upload input).

    The model's output is the right label (``write_capture``), so every label equals the prediction,
    except every ``wrong_every``-th call's (0: none), whose label is flipped: a model that degraded.
    """
    rows = ["inference_id,label"]
    for path in sorted(capture.rglob("*.jsonl")):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            prediction = record["captureData"]["endpointOutput"]["data"]
            wrong = wrong_every and (len(rows) % wrong_every == 0)
            label = str(1 - int(prediction)) if wrong else prediction
            rows.append(f"{record['eventMetadata']['inferenceId']},{label}")
    labels_csv.write_text("\n".join(rows) + "\n")
    return len(rows) - 1


def capture_job_contract(data: Path, work: Path, start: datetime) -> JobContract:
    """The built-in job's contract for endpoint ``ep``'s captured hour from ``start`` under ``data/capture``,
    checked against ``data/baseline`` (``write_capture``, ``write_baseline``), its outputs under ``work``."""
    return JobContract(
        dataset_source=str(data / "capture"),
        output_path=str(work / "out"),
        start_time=start,
        end_time=start + timedelta(hours=1),
        dataset_format={"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}},
        output_message_file=str(work / "message"),
        cloudwatch_metrics_directory=str(work / "metrics"),
        endpoint_name="ep",
        schedule_name="s",
        baseline_statistics=str(data / "baseline" / "statistics.json"),
        baseline_constraints=str(data / "baseline" / "constraints.json"),
    )
