"""The Republican Bar Association's roadmap (seed 003, RULES.md Part M) as document kinds of the
generic flow: its directions as data (``directions``), the input models (``models``), the rules
hooks (``rules``), the support tally of the territorial collegia (``support``), the kinds'
hooks and own stages (``flow``), and the status of every direction (``status``).
docs/ROADMAP.md describes the documents and how each case of M-2.6q is counted."""
