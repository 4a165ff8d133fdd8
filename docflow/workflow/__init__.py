"""The flow: stages, kinds' hooks, services, worker processes and the officer's review."""
