"""The results of a comparison as tables and a report folder.

:func:`text_table` is what the terminal shows per estimator; :func:`write_report`
writes ``summary.md`` (the same tables in Markdown, with the figures and
notes) and ``results.json`` (every number, and the versions they were measured
with).
"""

import json
import os
import platform
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .tasks import OURS, TASKS

# -- tables -----------------------------------------------------------------------------


def _fmt(value, digits=3):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def _fmt_time(seconds):
    if seconds is None or np.isnan(seconds):
        return "–"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


_HEADER = ("data set", "model", "score", "fit", "predict", "fit ratio", "predict ratio")


def table_cells(task, rows):
    """The cells of one task's table, one list per row (header first)."""
    cells = [list(_HEADER)]
    cells[0][2] = task.metric
    previous = None
    for row in rows:
        label = "" if row.dataset == previous else f"{row.dataset} ({row.n_train}×{row.n_features})"
        previous = row.dataset
        if row.status != "ok":
            cells.append([label, row.model, row.status, "", "", "", ""])
            continue
        cells.append(
            [
                label,
                row.model,
                _fmt(row.score),
                _fmt_time(row.fit_s),
                _fmt_time(row.predict_s),
                _fmt(row.fit_ratio, 2),
                _fmt(row.predict_ratio, 2),
            ]
        )
    return cells


def text_table(task, rows):
    """A plain-text table for the terminal."""
    cells = table_cells(task, rows)
    widths = [max(len(str(line[i])) for line in cells) for i in range(len(cells[0]))]
    lines = [f"{task.title}  ({task.metric} on the test split; ratio = {OURS} time / theirs)"]
    for index, line in enumerate(cells):
        parts = [
            str(c).ljust(w) if i < 2 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(task, rows):
    """A Markdown table for the report."""
    cells = table_cells(task, rows)
    lines = ["| " + " | ".join(cells[0]) + " |"]
    lines.append("|" + "|".join([":--", ":--"] + ["--:"] * (len(cells[0]) - 2)) + "|")
    lines += ["| " + " | ".join(line) + " |" for line in cells[1:]]
    return "\n".join(lines)


# -- the report folder ------------------------------------------------------------------


def _environment():
    import scipy
    import sklearn

    import sklearn_dl

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "sklearn_dl": sklearn_dl.__version__,
    }


def _introduction(env, budget, seconds):
    """The summary's title and the paragraphs on method and machine."""
    return [
        "# sklearn_dl compared with scikit-learn",
        "",
        "Each model is fitted on the same standardised 75 % training split and scored on "
        "the remaining 25 %. Times are medians of repeated runs measured in one process; a "
        f"ratio is the time of {OURS} divided by the counterpart's (below 1: {OURS} is "
        "faster). Iterative models get the same settings and iteration budgets on both "
        "sides. A data set is labelled with its training samples × features.",
        "",
        f"Run with `python -m sklearn_dl.compare{' --quick' if budget.quick else ''}` in "
        f"{seconds:.0f} s on {env['cpu_count']} cores; Python {env['python']}, numpy "
        f"{env['numpy']}, scipy {env['scipy']}, scikit-learn {env['scikit-learn']}.",
        "",
    ]


def _sections(rows, figures, notes):
    """One table per estimator, then what did not run, the figures and the notes."""
    lines = []
    for task in TASKS.values():
        task_rows = [row for row in rows if row.task == task.name]
        if task_rows:
            lines += [f"## {task.title}", "", markdown_table(task, task_rows), ""]
    problems = [row for row in rows if row.status != "ok"]
    if problems:
        lines += ["## Not run", ""]
        lines += [
            f"- {r.task} on {r.dataset}, {r.model}: {r.status} ({r.message})" for r in problems
        ]
        lines.append("")
    if figures:
        lines += ["## Figures", ""]
        for name, caption in figures.items():
            lines += [f"### {caption}", "", f"![{caption}]({name})", ""]
    if notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in notes] + [""]
    return lines


def write_report(output, rows, figures, notes, budget, seconds):
    """Write ``summary.md`` and ``results.json`` into ``output``; return the summary path."""
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    env = _environment()
    results = {
        "environment": env,
        "quick": budget.quick,
        "seed": budget.seed,
        "seconds": seconds,
        "rows": [asdict(row) for row in rows],
        "figures": figures,
        "notes": notes,
    }
    (output / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = _introduction(env, budget, seconds) + _sections(rows, figures, notes)
    path = output / "summary.md"
    path.write_text("\n".join(lines))
    return path
