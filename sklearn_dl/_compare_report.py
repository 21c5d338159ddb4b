"""Progress bars and tables for :mod:`sklearn_dl.compare`.

The progress bar uses ``rich`` when it is installed (the ``progress`` extra)
and a plain standard-library line otherwise; the tables are plain text for
the terminal and Markdown for the report.
"""

import sys
import time

import numpy as np

OURS = "sklearn_dl"


# -- progress -------------------------------------------------------------------------


class TextProgress:
    """A one-line progress bar on a stream, using only the standard library.

    On a terminal the line is redrawn in place; elsewhere (a log, a pipe) each
    step is printed on a line of its own.
    """

    width = 28

    def __init__(self, total, stream=None):
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.perf_counter()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.live:
            self.stream.write("\n")
            self.stream.flush()

    def step(self, description):
        """Show that ``description`` is starting; count the previous step as done."""
        self._draw(description)
        self.done += 1

    def finish(self):
        self.done = self.total
        self._draw("done")

    def _draw(self, description):
        filled = int(self.width * self.done / self.total)
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.perf_counter() - self.start
        line = f"[{bar}] {self.done}/{self.total} {elapsed:5.0f}s  {description}"
        if self.live:
            self.stream.write("\r" + line[:110].ljust(110))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def print(self, text):
        """Print ``text`` above the bar."""
        if self.live:
            self.stream.write("\r" + " " * 110 + "\r")
            self.stream.flush()
        print(text)


class RichProgress:
    """The same interface drawn by ``rich`` (the optional ``progress`` extra)."""

    def __init__(self, total, stream=None):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.table import Column

        self.console = Console(file=stream if stream is not None else sys.stderr)
        description = Column(no_wrap=True, overflow="ellipsis", ratio=1)
        self.bar = Progress(
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}", table_column=description),
            console=self.console,
            expand=True,
        )
        self.task = self.bar.add_task("", total=max(total, 1))
        self.started = False

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        self.bar.__exit__(*exc)

    def step(self, description):
        if self.started:
            self.bar.advance(self.task)
        self.started = True
        self.bar.update(self.task, description=description)

    def finish(self):
        self.bar.update(self.task, completed=self.bar.tasks[0].total, description="done")

    def print(self, text):
        self.bar.console.print(text, markup=False, highlight=False, soft_wrap=True)


def make_progress(total, plain=False, stream=None):
    """``rich``'s progress bar if it is installed (and not ``plain``), else a text one."""
    if not plain:
        try:
            return RichProgress(total, stream)
        except ImportError:
            pass
    return TextProgress(total, stream)


# -- tables and report ----------------------------------------------------------------


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
