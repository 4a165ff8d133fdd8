"""Test tools that tests and demos share (the NCALayer stand-in)."""
