"""``python -m docflow`` is the ``docflow`` command."""

from docflow.cli import run

run()
