"""Evidently's data summary of the benchmark Parquet file; runs under .venv-bench.

Usage: evidently_summary.py DATA.parquet OUT_DIR. The column roles are given (numeric vs
categorical, from the Parquet types) rather than inferred, which only spares Evidently work.
Prints its phase timings as one JSON line.
"""

import json
import sys
import time
from pathlib import Path

started = time.perf_counter()
import pandas as pd  # noqa: E402  (imports are timed on purpose)
from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.presets import DataSummaryPreset  # noqa: E402

imported = time.perf_counter()


def main() -> None:
    data, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    frame = pd.read_parquet(data)
    t1 = time.perf_counter()
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    categorical = [c for c in frame.columns if c not in numeric]
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    dataset = Dataset.from_pandas(frame, data_definition=definition)
    snapshot = Report([DataSummaryPreset()]).run(dataset, None)
    t2 = time.perf_counter()
    snapshot.save_json(str(out_dir / "summary.json"))
    t3 = time.perf_counter()
    print(
        json.dumps(
            {
                "import_s": imported - started,
                "read_s": t1 - t0,
                "profile_s": t2 - t1,
                "write_s": t3 - t2,
                "compute_s": t3 - t0,
                "rows": len(frame),
                "columns": len(numeric) + len(categorical),
            }
        )
    )


if __name__ == "__main__":
    main()
