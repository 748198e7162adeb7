"""The pages measured, in order. A new page is one ``register(Scenario(...))`` line.

``target`` is the least acceptable ratio of the page's throughput to the hello-world baseline
(None: measured and reported, no target). ``path`` may be a function of the dataset's facts.
``expect`` is text that a correct answer contains: each page is fetched once before it is
measured, so a redirect to the sign-in page or an error page is never mistaken for speed.
``account`` names who a signed-in page is measured as (the dataset's facts hold
``<account>_email`` and ``<account>_password``). ``dataset`` names extra data a scenario needs
(``"learning"``: the big learning dataset, built only when such a scenario is selected).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode

HELLO = "hello"
ACADEMY = "academy"


@dataclass(frozen=True)
class Scenario:
    """One page to measure, on one of the servers."""

    name: str
    path: str | Callable[[dict], str]
    server: str = ACADEMY
    signed_in: bool = False
    target: float | None = None
    expect: str | None = None
    account: str = "admin"
    dataset: str | None = None

    def url_path(self, facts: dict) -> str:
        return self.path(facts) if callable(self.path) else self.path


SCENARIOS: list[Scenario] = []


def register(scenario: Scenario) -> Scenario:
    """Add ``scenario`` to the run (names are unique)."""
    if any(existing.name == scenario.name for existing in SCENARIOS):
        raise ValueError(f"duplicate benchmark name {scenario.name!r}")
    SCENARIOS.append(scenario)
    return scenario


#: The baseline every ratio is computed against (measured before and after the pages).
BASELINE = Scenario("hello_world", "/", server=HELLO, expect="Hello, world!")

register(Scenario("healthz", "/healthz", expect='"ok"'))
# The floor of every signed-in page: the same probe, but with a session to load and check (no target).
register(Scenario("healthz_signed_in", "/healthz", signed_in=True, expect='"ok"'))
register(Scenario("home_anonymous", "/", expect="Activist Academy"))
register(Scenario("sign_in_form", "/sign-in", expect="csrf_token"))
# The lists are measured full (the dataset fills their first page): "<table" proves rows rendered.
register(Scenario("admin_organisations", "/admin/organisations/", signed_in=True, target=0.5,
                  expect="<table"))
register(Scenario("admin_organisations_search",
                  lambda facts: "/admin/organisations/?" + urlencode({"q": facts["search_term"]}),
                  signed_in=True, expect="<table"))
register(Scenario("admin_users", "/admin/users/", signed_in=True, expect="<table"))
register(Scenario("admin_audit", "/admin/audit/", signed_in=True, expect="<table"))

# Curriculum and learning, measured on 10,000 trainees, 500 lessons and 1,000,000 progress rows
# (benchmarks.dataset.LEARNING), signed in as a trainee enrolled in 20 modules.
register(Scenario("learning_home", "/learn/", signed_in=True, account="trainee", dataset="learning",
                  target=0.5, expect="progress"))
register(Scenario("learning_lesson", lambda facts: f"/learn/lessons/{facts['trainee_lesson_id']}",
                  signed_in=True, account="trainee", dataset="learning", target=0.5,
                  expect="lesson-body"))
