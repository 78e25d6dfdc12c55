"""Speed benchmarks of the shared evaluation code (scripts, not unit tests)."""
