"""
The pure core of Lead Sync: header detection, column mapping, row normalisation, identity,
change planning and the data-loss guard.

Everything under ``shared.core`` takes plain data and returns plain data. It performs no I/O,
imports no cloud SDK and never reads the environment or the clock; ``tests/test_boundaries.py``
enforces that. Well-kept pure libraries (phonenumbers, rapidfuzz) are allowed.
"""
