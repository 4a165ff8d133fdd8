"""docflow's tests; a regular package so that ``tests.*`` never resolves to a top-level
``tests`` package some dependency installs (gostcrypto ships one)."""
