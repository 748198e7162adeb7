"""The baseline: a bare Flask app, served with the same gunicorn settings as the academy."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """The cheapest page Flask can serve."""
    return "Hello, world!"


@app.get("/healthz")
def healthz():
    """Readiness probe, answered like the academy's."""
    return {"status": "ok"}
