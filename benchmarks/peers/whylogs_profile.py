"""whylogs profiling of the benchmark Parquet file; runs under .venv-bench, not the project's .venv.

Usage: whylogs_profile.py DATA.parquet OUT_DIR. Prints its phase timings as one JSON line.
"""

import json
import sys
import time
from pathlib import Path

started = time.perf_counter()
import pandas as pd  # noqa: E402  (imports are timed on purpose)
import whylogs as why  # noqa: E402

imported = time.perf_counter()


def main() -> None:
    data, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    frame = pd.read_parquet(data)
    t1 = time.perf_counter()
    view = why.log(frame).view()
    t2 = time.perf_counter()
    (out_dir / "profile.bin").write_bytes(view.serialize())
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
                "columns": len(view.get_columns()),
            }
        )
    )


if __name__ == "__main__":
    main()
