"""One exception tree (issue 12): every ``DocflowError`` docflow defines is declared in
``docflow/errors.py`` and drawn in its docstring, so a caller finds them all in one place."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import docflow
import docflow.errors as errors

#: Modules that are not imported in a test process: the CLI entry point, the LibreOffice
#: worker (it runs under LibreOffice's own Python with ``uno``) and Alembic's migration
#: environment (it runs only inside Alembic, which provides its context).
_NOT_IMPORTED = {"docflow.__main__", "docflow.render._uno_worker"}
_NOT_IMPORTED_PACKAGES = ("docflow.storage.migrations",)


def _docflow_errors() -> set[type[BaseException]]:
    found: set[type[BaseException]] = set()
    for info in pkgutil.walk_packages(docflow.__path__, "docflow."):
        if info.name in _NOT_IMPORTED or info.name.startswith(_NOT_IMPORTED_PACKAGES):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, errors.DocflowError) and cls.__module__.startswith("docflow"):
                found.add(cls)
    return found


def test_every_docflow_error_is_declared_in_the_one_tree() -> None:
    declared = {
        name
        for name, cls in vars(errors).items()
        if inspect.isclass(cls) and issubclass(cls, errors.DocflowError)
    }
    outside = {
        f"{c.__module__}.{c.__name__}" for c in _docflow_errors() if c.__name__ not in declared
    }
    assert not outside, f"declare these in docflow/errors.py: {sorted(outside)}"


def test_the_docstring_draws_every_class_of_the_tree() -> None:
    doc = errors.__doc__ or ""
    for name, cls in vars(errors).items():
        if inspect.isclass(cls) and issubclass(cls, errors.DocflowError):
            assert f"── {name} " in doc or f"    {name}\n" in doc, name
