"""Evaluation: question sets, metrics, the `rag eval` harness, the baseline and `rag bench`."""
