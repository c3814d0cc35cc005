"""Benchmarks of the portal's hot paths against same-run baselines: ``python -m bench run [--quick]``."""
