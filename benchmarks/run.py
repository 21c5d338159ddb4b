"""Run every performance benchmark and report ratios against scikit-learn.

Usage::

    python -m benchmarks.run                 # every benchmarks/bench_*.py
    python -m benchmarks.run --quick         # smaller workloads, fewer repeats
    python -m benchmarks.run --only mlp,knn  # some of them
    python -m benchmarks.run --compare A.json B.json
    SCIPY_ARRAY_API=1 python -m benchmarks.run --device cuda   # device workloads

Each ``benchmarks/bench_NAME.py`` exposes ``run(quick=False) -> list[dict]``,
one dict per workload built by :func:`benchmarks._common.row`. Both sides of a
ratio are measured in the same process, one after the other. The runner adds
the machine's measured matrix-multiply peak: a row that gives ``flops`` (the
floating-point operations of one of our runs) and optionally ``dtype`` gets
its GFLOP/s and their share of the peak. A row may also give ``torch_s``, the
time of the same work in PyTorch on the CPU, ``matmul_s``, the time of the
bare matrix product at the heart of the workload, and ``n_jobs``, shown with
the workload's name.

``bench_dask`` needs the ``dask`` extra; without it its failure is
recorded and the others run.

Results are written as JSON to ``benchmarks/results/<timestamp>.json``, so that
``--compare`` can set two runs side by side.
"""

import argparse
import importlib
import json
import math
import os
import platform
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

import numpy as np

from benchmarks._common import load_kernels, matmul_peak_gflops

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results"
# A change of our time by more than this factor between two runs is flagged.
CHANGE_THRESHOLD = 1.10


def discover():
    """Benchmark names (``mlp`` for ``bench_mlp.py``), sorted."""
    return sorted(path.stem[len("bench_") :] for path in HERE.glob("bench_*.py"))


def select(only):
    """The benchmarks named in ``only`` (all when empty); unknown names raise."""
    available = discover()
    if not only:
        return available
    chosen = []
    for name in only:
        name = name.strip().removeprefix("bench_").removesuffix(".py")
        if name not in available:
            raise ValueError(
                f"No benchmark named {name!r}; available: {', '.join(available) or 'none'}."
            )
        if name not in chosen:
            chosen.append(name)
    return chosen


def measure_peaks(quick):
    """Measured matrix-multiply peak in GFLOP/s, per dtype."""
    n = 512 if quick else 1024
    return {
        "float64": matmul_peak_gflops(np.float64, n=n),
        "float32": matmul_peak_gflops(np.float32, n=n),
    }


def run_one(name, quick, device=None):
    """Import and run ``bench_<name>``; never raises, failures are recorded.

    With ``device``, its ``run_device(device, quick)`` runs instead: the
    workloads under array API dispatch (a benchmark without one gives no rows).
    """
    start = time.perf_counter()
    try:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        if device is None:
            rows = module.run(quick=quick)
        else:
            rows = getattr(module, "run_device", lambda device, quick: [])(device, quick=quick)
        rows = [dict(row) for row in rows]
        error = None
    except Exception:
        rows, error = [], traceback.format_exc(limit=6)
    return {"rows": rows, "error": error, "seconds": time.perf_counter() - start}


def add_throughput(rows, peaks):
    """Give rows with ``flops`` their GFLOP/s and share of the matching peak."""
    for row in rows:
        if "flops" in row and "gflops" not in row and row.get("ours_s"):
            row["gflops"] = row["flops"] / row["ours_s"] / 1e9
        if "gflops" in row and "peak_share" not in row:
            peak = peaks.get(str(row.get("dtype", "float64")), peaks["float64"])
            row["peak_share"] = row["gflops"] / peak
    return rows


def environment():
    """What the numbers depend on: versions, cores and the BLAS numpy uses."""
    import scipy
    import sklearn

    env = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
    }
    try:
        from threadpoolctl import threadpool_info

        env["blas"] = [
            f"{info.get('internal_api')} {info.get('version')} ({info.get('num_threads')} threads)"
            for info in threadpool_info()
        ]
    except ImportError:
        pass
    env["numba kernels"] = load_kernels()
    try:
        import torch

        env["torch"] = torch.__version__
    except ImportError:
        env["torch"] = None
    return env


# -- tables ---------------------------------------------------------------------------


def _num(value, digits=2):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}"


def _seconds(value, unit="s"):
    if value is None:
        return ""
    if unit != "s":  # a quality row: an error or an error rate, not a time
        return f"{value:.5f}"
    if value < 1e-3:
        return f"{value * 1e6:.0f}µs"
    if value < 1:
        return f"{value * 1e3:.1f}ms"
    return f"{value:.2f}s"


def _met(row):
    if "target" not in row:
        return ""
    return "yes" if row.get("met") else "NO"


def render(header, lines, right_from=2):
    """A plain-text table: the first ``right_from`` columns left-aligned."""
    widths = [max(len(str(x[i])) for x in [header, *lines]) for i in range(len(header))]

    def fmt(cells):
        parts = [
            str(c).ljust(w) if i < right_from else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *map(fmt, lines)])


def label(row):
    """The workload's name, with ``n_jobs`` when the row has one."""
    text = str(row.get("workload", "?"))
    if "n_jobs" in row:
        text += f" (n_jobs={row['n_jobs']})"
    return text


def results_table(results):
    """One table over every benchmark's rows."""
    header = [
        "bench",
        "workload",
        "ours",
        "sklearn",
        "ratio",
        "target",
        "met",
        "vs torch",
        "vs matmul",
        "GFLOP/s",
        "% peak",
    ]
    lines = []
    for name, result in results["benchmarks"].items():
        if result["error"]:
            lines.append([name, "FAILED (see below)", *[""] * 9])
        for row in result["rows"]:
            torch_s, matmul_s = row.get("torch_s"), row.get("matmul_s")
            share = row.get("peak_share")
            lines.append(
                [
                    name,
                    label(row),
                    _seconds(row.get("ours_s"), row.get("unit", "s")),
                    _seconds(row.get("theirs_s"), row.get("unit", "s")),
                    _num(row.get("ratio")),
                    _num(row.get("target")),
                    _met(row),
                    _num(row["ours_s"] / torch_s) if torch_s else "",
                    _num(row["ours_s"] / matmul_s) if matmul_s else "",
                    _num(row.get("gflops"), 1),
                    _num(None if share is None else 100 * share, 0),
                ]
            )
    return render(header, lines)


def comparison_table(before, after):
    """Rows of two runs side by side, matched by benchmark and workload."""

    def index(results):
        return {
            (name, label(row)): row
            for name, result in results["benchmarks"].items()
            for row in result["rows"]
        }

    old, new = index(before), index(after)
    header = ["bench", "workload", "ours A", "ours B", "B / A", "ratio A", "ratio B", "change"]
    lines = []
    for key in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(key), new.get(key)
        if a is None or b is None:
            lines.append([*key, "", "", "", "", "", "only in " + ("B" if a is None else "A")])
            continue
        change = b["ours_s"] / a["ours_s"]
        verdict = ""
        if change > CHANGE_THRESHOLD:
            verdict = "slower"
        elif change < 1 / CHANGE_THRESHOLD:
            verdict = "faster"
        lines.append(
            [
                *key,
                _seconds(a["ours_s"], a.get("unit", "s")),
                _seconds(b["ours_s"], b.get("unit", "s")),
                _num(change),
                _num(a.get("ratio")),
                _num(b.get("ratio")),
                verdict,
            ]
        )
    return render(header, lines)


# -- the command ----------------------------------------------------------------------


def save(results, output):
    """Write ``results`` to ``output/<timestamp>.json``; return the path."""
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = output / f"{stamp}.json"
    suffix = 1
    while path.exists():
        path = output / f"{stamp}-{suffix}.json"
        suffix += 1
    path.write_text(json.dumps(results, indent=2, default=float) + "\n")
    return path


def run(names, quick=False, stream=None, device=None):
    """Run the benchmarks ``names``; return the results as a JSON-ready dict."""
    stream = stream if stream is not None else sys.stderr
    print("measuring the matrix-multiply peak ...", file=stream, flush=True)
    peaks = measure_peaks(quick)
    results = {
        "created": datetime.now().isoformat(timespec="seconds"),
        "quick": quick,
        "device": device,
        "environment": environment(),
        "peak_gflops": peaks,
        "benchmarks": {},
    }
    for position, name in enumerate(names, 1):
        print(f"[{position}/{len(names)}] bench_{name} ...", file=stream, flush=True)
        result = run_one(name, quick, device)
        add_throughput(result["rows"], peaks)
        results["benchmarks"][name] = result
        status = "failed" if result["error"] else f"{len(result['rows'])} workloads"
        print(f"      {status} in {result['seconds']:.1f} s", file=stream, flush=True)
    return results


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=(
            "Run benchmarks/bench_*.py and print time ratios against scikit-learn "
            "(and PyTorch where installed) with GFLOP/s as a share of the measured "
            "matrix-multiply peak; results are written as JSON."
        ),
    )
    parser.add_argument("--quick", action="store_true", help="small workloads, few repeats")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only these benchmarks (e.g. mlp or bench_mlp; repeat or comma-separate)",
    )
    parser.add_argument(
        "--output",
        default=str(DEFAULT_OUTPUT),
        help="folder of the JSON results (default: benchmarks/results)",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("A.json", "B.json"),
        help="compare two saved runs instead of running",
    )
    parser.add_argument(
        "--device",
        choices=["cuda", "cpu"],
        help="run the device workloads instead: array API dispatch on PyTorch tensors "
        "on this device (needs SCIPY_ARRAY_API=1)",
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.compare:
        before, after = (json.loads(Path(p).read_text()) for p in args.compare)
        print(f"A = {args.compare[0]} ({before.get('created', '?')})")
        print(f"B = {args.compare[1]} ({after.get('created', '?')})")
        print(comparison_table(before, after))
        return 0
    if args.list:
        print("\n".join(discover()))
        return 0
    only = [part for item in args.only or [] for part in item.split(",") if part.strip()]
    try:
        names = select(only)
    except ValueError as exc:
        parser.error(str(exc))
    if not names:
        print("No benchmarks/bench_*.py found.")
        return 1
    results = run(names, quick=args.quick, device=args.device)
    peaks = results["peak_gflops"]
    print()
    print(
        f"matrix-multiply peak: {peaks['float64']:.1f} GFLOP/s (float64), "
        f"{peaks['float32']:.1f} GFLOP/s (float32); ratio = ours / scikit-learn time"
    )
    print(results_table(results))
    failed = {n: r["error"] for n, r in results["benchmarks"].items() if r["error"]}
    for name, error in failed.items():
        print(f"\nbench_{name} failed:\n{error}")
    path = save(results, args.output)
    print(f"\nResults written to {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
