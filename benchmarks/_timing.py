"""Shared timing helpers for the benchmarks: interleaved repeats, medians, one process.

The machine is shared and its speed drifts, so the contenders are timed in turn within every
repeat (A, B, C, A, B, C, ...) and each one's median is reported: a slow spell then hits all of
them alike instead of whichever happened to be running.
"""

import statistics
import time


def median_seconds(func, number, repeat=9):
    """Median over ``repeat`` runs of the time per call of ``func`` (called ``number`` times)."""
    return median_seconds_interleaved({"f": func}, number, repeat)["f"]


def median_seconds_interleaved(funcs, number, repeat=9, clock=time.perf_counter):
    """{name: median seconds per call} for a dict of functions timed in turn in each repeat.

    ``clock=time.process_time`` counts this process's CPU time only (page faults included),
    steadier than the wall clock when other processes compete for the cores.
    """
    times = {name: [] for name in funcs}
    for func in funcs.values():  # warm up: first calls allocate state and fill caches
        func()
    for _ in range(repeat):
        for name, func in funcs.items():
            start = clock()
            for _ in range(number):
                func()
            times[name].append((clock() - start) / number)
    return {name: statistics.median(ts) for name, ts in times.items()}


def try_import_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch
