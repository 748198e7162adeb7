"""Settings of every gunicorn started in this folder (``make run``, a production service, the benchmarks).

The access log leaves out the secrets and personal data that addresses carry (``academy.core.access_log``).
"""
logger_class = "academy.core.access_log.RedactingLogger"
