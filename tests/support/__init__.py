"""What tests of several subsystems share: one demo PKI per test session (``pki``), hand-made
PDFs (``pdfs``), signing with pyHanko directly or through docflow (``signing``) and one report
builder (``reports``). Fixtures are registered for the whole suite by ``tests/conftest.py``
(``pytest_plugins = ["tests.support.fixtures"]``)."""
