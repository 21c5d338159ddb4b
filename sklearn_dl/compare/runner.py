"""One comparison run from start to end: the pairs, the progress bar, the figures, the report.

:func:`run` is what ``python -m sklearn_dl.compare`` calls once its arguments
are parsed; it returns a :class:`Result` with every row, figure and note.
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from threadpoolctl import threadpool_limits

from .measure import run_pair
from .progress import make_progress
from .report import text_table, write_report
from .tasks import Budget, plan

DEFAULT_OUTPUT = os.path.join("reports", "compare")

_NO_MATPLOTLIB = (
    "Figures need matplotlib: pip install 'sklearn_dl[plot]' (or pip install matplotlib)."
)


@dataclass
class Result:
    """What :func:`run` produced."""

    rows: list
    figures: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    summary: Path = None
    seconds: float = 0.0

    @property
    def failed(self):
        return [row for row in self.rows if row.status == "error"]

    @property
    def skipped(self):
        return [row for row in self.rows if row.status == "skipped"]


def run(
    estimators=None,
    datasets=None,
    *,
    quick=False,
    seed=0,
    output=DEFAULT_OUTPUT,
    plots=True,
    plain=False,
    threads=None,
    stream=None,
):
    """Run the comparison, print one table per estimator and write the report.

    Parameters
    ----------
    estimators, datasets : list of str or None
        Names from :data:`TASKS` and :data:`DATASETS`; ``None`` means all
        (each task on its own data sets).
    quick : bool
        Smaller generated data, fewer epochs and single timings: a fast smoke run.
    seed : int
        Seed of the splits, the generated data and every model.
    output : str or path
        Report folder.
    plots : bool
        Draw the figures (needs matplotlib).
    plain : bool
        Use the text progress bar even if ``rich`` is installed.
    threads : int or None
        Limit the BLAS and OpenMP threads of both sides (``None``: no limit).
    stream : file-like or None
        Where the progress bar is drawn (standard error by default).

    Returns
    -------
    Result
    """
    with threadpool_limits(limits=threads):
        return _run(estimators, datasets, quick, seed, output, plots, plain, stream)


def _run(estimators, datasets, quick, seed, output, plots, plain, stream):
    from . import plots as figures

    budget = Budget(quick=quick, seed=seed)
    pairs = plan(estimators, datasets)
    chosen = {task.name for task, _ in pairs}
    can_plot = plots and figures.have_matplotlib()
    jobs = figures.jobs(chosen) if can_plot else []
    total = sum(1 + len(task.theirs) for task, _ in pairs) + len(jobs)
    start = time.perf_counter()
    result = Result(rows=[])
    with make_progress(total, plain, stream) as progress:
        rows = _run_pairs(pairs, budget, progress)
        for job in jobs:
            progress.step(f"figure: {job.caption}")
            _draw(job, rows, budget, output, result)
        progress.finish()
    if plots and not can_plot:
        result.notes.append(_NO_MATPLOTLIB)
    result.rows = rows
    result.seconds = time.perf_counter() - start
    result.summary = write_report(
        output, rows, result.figures, result.notes, budget, result.seconds
    )
    return result


def _run_pairs(pairs, budget, progress):
    """Every pair's rows; each task's table is printed once its last pair has run."""
    rows = []
    for index, (task, dataset) in enumerate(pairs):
        rows += run_pair(
            task,
            dataset,
            budget,
            lambda label, t=task, d=dataset: progress.step(f"{t.title} on {d.name}: {label}"),
        )
        last = index + 1 == len(pairs) or pairs[index + 1][0] is not task
        if last:
            progress.print(text_table(task, [r for r in rows if r.task == task.name]) + "\n")
    return rows


def _draw(job, rows, budget, output, result):
    """Draw one figure into ``output``; a failure becomes a note, not a crash."""
    os.makedirs(output, exist_ok=True)
    try:
        note = job.draw(rows, budget, os.path.join(output, job.filename))
    except Exception as exc:
        result.notes.append(f"Figure {job.filename} was not drawn: {type(exc).__name__}: {exc}")
        return
    result.figures[job.filename] = job.caption
    if note:
        result.notes.append(note)
