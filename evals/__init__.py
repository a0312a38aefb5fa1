"""Quorum evaluation: the built-in set, metrics, baselines and the runner."""
