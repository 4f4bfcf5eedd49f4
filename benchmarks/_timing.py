"""Shared timing helper for the benchmarks: medians of repeated runs, in one process."""

import statistics
import time


def median_seconds(func, number, repeat=9):
    """Median over ``repeat`` runs of the time per call of ``func`` (called ``number`` times)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def try_import_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch
