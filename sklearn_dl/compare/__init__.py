"""The comparison with scikit-learn that ``python -m sklearn_dl.compare`` runs.

``python -m sklearn_dl.compare`` fits each estimator and its counterparts on
the same split of the same data, with the same settings where both sides have
them, and reports the test score, the fit and predict times, and the ratio of
the times (ours / theirs: below 1 means sklearn_dl is faster). It prints one
table per estimator and writes a report folder with a Markdown summary, the
raw results as JSON and, when matplotlib is installed, PNG figures.

The comparison is a registry of tasks (an estimator, its counterparts and the
data sets it runs on) and a registry of data sets; both are plain dicts, and
``--estimators`` and ``--datasets`` pick entries from them.

The modules, by job: ``datasets`` and ``tasks`` (the registries, and the
pairs a run chooses), ``measure`` (fit, time and score one pair), ``runner``
(a whole run), ``progress`` and ``report`` (what is shown and written),
``plots`` (the figures, with matplotlib) and ``cli`` (the command line).

Examples
--------
>>> from sklearn_dl.compare import DATASETS, TASKS
>>> sorted(TASKS)[:3]
['autoencoder', 'knn_classifier', 'knn_regressor']
>>> DATASETS["iris"].kind
'classification'
"""

from .cli import build_parser, main
from .datasets import DATASETS, Dataset
from .measure import Row, run_pair
from .progress import TextProgress, make_progress
from .report import markdown_table, text_table, write_report
from .runner import DEFAULT_OUTPUT, Result, run
from .tasks import OURS, TASKS, Budget, Task, plan

__all__ = [
    "DATASETS",
    "DEFAULT_OUTPUT",
    "OURS",
    "TASKS",
    "Budget",
    "Dataset",
    "Result",
    "Row",
    "Task",
    "TextProgress",
    "build_parser",
    "main",
    "make_progress",
    "markdown_table",
    "plan",
    "run",
    "run_pair",
    "text_table",
    "write_report",
]
