"""Sphinx configuration of the sklearn_dl documentation.

``make docs`` builds it with ``-W``: every warning is an error.
"""

import os
import re

import sklearn_dl

project = "sklearn_dl"
author = "The sklearn_dl developers"
copyright = "the sklearn_dl developers"
release = sklearn_dl.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"  # `text` renders as code, as in most docstrings here

html_theme = "alabaster"
html_title = f"sklearn_dl {release}"
html_static_path = []
html_theme_options = {
    "description": "scikit-learn compatible networks, linear models and exact k-NN",
    "fixed_sidebar": True,
}

# -- API reference ----------------------------------------------------------------

autosummary_generate = True
autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# scikit-learn's metadata-routing setters are generated for every estimator;
# they are scikit-learn's API, documented there.
_ROUTING_PREFIX, _ROUTING_SUFFIX = "set_", "_request"


def _skip_member(app, what, name, obj, skip, options):
    if name.startswith(_ROUTING_PREFIX) and name.endswith(_ROUTING_SUFFIX):
        return True
    return None


# In a numpydoc type such as ``ndarray of shape (n_features_in_,)`` a name
# ending in "_" would be read as a hyperlink reference; escape the underscore.
_PARAMETER_LINE = re.compile(r"^(\s*\w[\w, ]*? : )(.*)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[,)\s]|$)")


def _escape_type_underscores(app, what, name, obj, options, lines):
    for index, line in enumerate(lines):
        match = _PARAMETER_LINE.match(line)
        if match and "`" not in match.group(2):
            lines[index] = match.group(1) + _TRAILING_UNDERSCORE.sub(r"\_", match.group(2))


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    # Before numpydoc (priority 500) turns the sections into reST.
    app.connect("autodoc-process-docstring", _escape_type_underscores, priority=400)


# -- example gallery --------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "show_memory": False,
    "plot_gallery": "True",
    "write_computation_times": False,  # keeps the source folder clean
}

# The examples run in full; a quick build can set SKLEARN_DL_EXAMPLES_FAST=1.
os.environ.setdefault("MPLBACKEND", "Agg")
