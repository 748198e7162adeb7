"""Load benchmarks: real pages under gunicorn, compared with a bare Flask "hello world".

``python -m benchmarks`` (``make bench``) builds a dataset in a throw-away SQLite database, serves
the academy and the hello-world app with the same gunicorn settings, measures each scenario with
``wrk`` (or a Python load generator when wrk is missing) and prints one JSON line per page.
New features add pages in ``scenarios.py`` and data in ``dataset.py``.
"""
