"""The command line of ``python -m sklearn_dl.compare``: options, ``--list``, exit status."""

import argparse

from .datasets import DATASETS
from .runner import DEFAULT_OUTPUT, run
from .tasks import TASKS, plan


def _names(text):
    return [part for part in text.split(",") if part.strip()]


def _add_selection(parser):
    """The options that choose what runs and how large it is."""
    parser.add_argument(
        "-e",
        "--estimators",
        type=_names,
        metavar="NAMES",
        help=f"comma-separated estimators to run (default: all): {', '.join(TASKS)}",
    )
    parser.add_argument(
        "-d",
        "--datasets",
        type=_names,
        metavar="NAMES",
        help=f"comma-separated data sets (default: each estimator's own): {', '.join(DATASETS)}",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small generated data, few epochs, single timings (a smoke run)",
    )


def _add_running(parser):
    """The options on where the report goes and how the run behaves."""
    parser.add_argument(
        "-o", "--output", default=DEFAULT_OUTPUT, help=f"report folder (default: {DEFAULT_OUTPUT})"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of splits, data and models")
    parser.add_argument("--no-plots", action="store_true", help="skip the figures")
    parser.add_argument(
        "--plain", action="store_true", help="plain text progress even if rich is installed"
    )
    parser.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="limit BLAS/OpenMP threads of both sides to N (default: no limit)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the estimators and data sets, then exit"
    )


def build_parser():
    """The command line of ``python -m sklearn_dl.compare``."""
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_dl.compare",
        description=(
            "Fit every sklearn_dl estimator and its scikit-learn counterparts on the same "
            "data; print score, fit time, predict time and time ratios, and write a "
            "report folder with a Markdown summary, JSON results and PNG figures."
        ),
    )
    _add_selection(parser)
    _add_running(parser)
    return parser


def _listing():
    lines = ["Estimators (--estimators):"]
    for task in TASKS.values():
        theirs = ", ".join(task.theirs)
        lines.append(f"  {task.name:<20} {task.title} vs {theirs}; on {', '.join(task.datasets)}")
    lines += ["", "Data sets (--datasets):"]
    for data in DATASETS.values():
        lines.append(f"  {data.name:<25} {data.kind:<15} {data.description}")
    return "\n".join(lines)


def main(argv=None):
    """Command-line entry point; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list:
        print(_listing())
        return 0
    try:
        plan(args.estimators, args.datasets)
    except ValueError as exc:
        parser.error(str(exc))
    result = run(
        args.estimators,
        args.datasets,
        quick=args.quick,
        seed=args.seed,
        output=args.output,
        plots=not args.no_plots,
        plain=args.plain,
        threads=args.threads,
    )
    for note in result.notes:
        print(f"note: {note}")
    for row in result.skipped + result.failed:
        print(f"{row.status}: {row.task} on {row.dataset}, {row.model}: {row.message}")
    print(f"Report written to {result.summary} ({result.seconds:.0f} s).")
    return 1 if result.failed else 0
