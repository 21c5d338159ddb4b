"""The README's quick start runs as written."""

import re
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning

README = Path(__file__).resolve().parents[1] / "README.md"


def test_quick_start_runs_without_warnings():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no python example"
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        namespace = {"print": lambda *args: None}
        exec(compile(blocks[0], "README.md", "exec"), namespace)
    assert namespace["grid"].best_score_ > 0.95
