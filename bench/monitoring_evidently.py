"""Evidently's side of bench/monitoring-drift.mjs: the DataDriftPreset report over the bench's CSVs.

Run by the bench with the interpreter of .bench/evidently-venv (Evidently and pandas pinned in
bench/monitoring-evidently.requirements.txt); by hand:
  .bench/evidently-venv/bin/python bench/monitoring_evidently.py REFERENCE.csv CURRENT.csv \
      --numerical a,b,... --categorical c,d,...
Prints one JSON object on stdout: the Evidently version, wall times (import, CSV read, the
DataDriftPreset report, and a report of one ValueDrift per column, the preset's per-column part), per
column method / score / threshold / drifted, and per column non-null count and sum (numeric) or
distinct count (categorical), so the bench can check both sides read the same values.
Column types are declared (not inferred) so they are the ones our side uses; the drift method is
Evidently's default choice (DataDriftPreset() with no method), which is what we compare with.
"""

import argparse
import json
import os
import resource
import time

# Evidently reports anonymous usage unless this is set; a bench must not phone home mid-measurement.
os.environ.setdefault("DO_NOT_TRACK", "1")

started = time.perf_counter()
import pandas as pd  # noqa: E402
import evidently  # noqa: E402
from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.metrics import ValueDrift  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

import_seconds = time.perf_counter() - started

# Evidently's display names of its stat tests, as our method names (apps/monitoring method-selection.ts).
METHODS = {
    "Wasserstein distance (normed)": "wasserstein",
    "Jensen-Shannon distance": "jensen_shannon",
    "K-S p_value": "ks",
    "chi-square p_value": "chi_squared",
    "Z-test p_value": "z_test",
    "PSI": "psi",
}
P_VALUE_METHODS = {"ks", "chi_squared", "z_test"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("reference")
    parser.add_argument("current")
    parser.add_argument("--numerical", required=True)
    parser.add_argument("--categorical", required=True)
    args = parser.parse_args()
    numerical = args.numerical.split(",")
    categorical = args.categorical.split(",")

    started = time.perf_counter()
    # The pyarrow engine parses floats correctly rounded, so the values are the bench's exactly; empty fields are NaN / None.
    read = lambda path: pd.read_csv(path, engine="pyarrow", dtype={c: object for c in categorical})
    reference = read(args.reference)
    current = read(args.current)
    read_seconds = time.perf_counter() - started

    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)

    def run(metrics):
        started = time.perf_counter()
        snapshot = Report(metrics).run(
            Dataset.from_pandas(current, data_definition=definition),
            Dataset.from_pandas(reference, data_definition=definition),
        )
        return snapshot, time.perf_counter() - started

    # The preset: DriftedColumnsCount plus a ValueDrift per column (the former computes every column's
    # drift again, twice, through the legacy DataDriftTable). Then a ValueDrift per column alone, the
    # least a report with each column's drift costs in Evidently; same default methods, same scores.
    preset, report_seconds = run([DataDriftPreset()])
    alone, value_drift_seconds = run([ValueDrift(column=c) for c in numerical + categorical])

    def drift_of(snapshot):
        columns = {}
        for metric in snapshot.dict()["metrics"]:
            config = metric["config"]
            if not config["type"].endswith(":ValueDrift"):
                continue
            method = METHODS.get(config["method"], config["method"])
            score = float(metric["value"])
            threshold = float(config["threshold"])
            drifted = score < threshold if method in P_VALUE_METHODS else score >= threshold
            columns[config["column"]] = {"method": method, "evidentlyMethod": config["method"], "score": score, "threshold": threshold, "drifted": drifted}
        return columns

    columns = drift_of(preset)
    value_drift_columns = drift_of(alone)

    def check(frame):
        out = {}
        for c in numerical:
            out[c] = {"present": int(frame[c].notna().sum()), "sum": float(frame[c].sum())}
        for c in categorical:
            out[c] = {"present": int(frame[c].notna().sum()), "distinct": int(frame[c].nunique())}
        return out

    print(json.dumps({
        "evidently": evidently.__version__,
        "pandas": pd.__version__,
        "rows": {"reference": len(reference), "current": len(current)},
        "seconds": {"import": import_seconds, "read": read_seconds, "report": report_seconds, "valueDrift": value_drift_seconds},
        "columns": columns,
        "valueDriftSameScores": value_drift_columns == columns,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "check": {"reference": check(reference), "current": check(current)},
    }))


if __name__ == "__main__":
    main()
