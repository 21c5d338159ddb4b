"""The progress bar of a comparison run: ``rich``'s when installed, else a plain text line.

``rich`` is optional (the ``progress`` extra); without it, or with ``plain``,
:func:`make_progress` returns a :class:`TextProgress` drawn with the standard
library. Both have the same interface: ``step``, ``finish`` and ``print``.
"""

import sys
import time


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
