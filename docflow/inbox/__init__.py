"""The inbox: which dropped files are candidates and when they are stable (``candidates``),
the journal of every submission (``journal``), claiming and driving each claimed file to
exactly one outcome through a ``ProcessFn`` (``runner``), and the filesystem watcher
(``watcher``). It knows nothing of document kinds: the flow (``docflow.workflow``) is the
``ProcessFn`` it runs."""
