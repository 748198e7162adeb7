"""The benchmark harness keeps working as the models change (``make bench`` is run rarely)."""
from __future__ import annotations

import json

import sqlalchemy as sa

from benchmarks.dataset import Sizes, build_dataset
from benchmarks.load import parse_wrk
from benchmarks.scenarios import BASELINE, SCENARIOS

WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:8765/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.46ms    2.20ms  16.25ms   89.15%
    Req/Sec     0.95k   274.25     1.19k    90.00%
  Latency Distribution
     50%  850.00us
     75%    2.34ms
     90%    5.02ms
     99%    1.20s
  1900 requests in 2.01s, 4.67MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:    945.27
Transfer/sec:      4.62MB
"""


def test_wrk_output_is_read_with_units_converted():
    measurement = parse_wrk(WRK_OUTPUT, seconds=2)
    assert measurement.requests_per_s == 945.27
    assert measurement.requests == 1900
    assert measurement.latency_ms == {"p50": 0.85, "p90": 5.02, "p99": 1200.0}
    assert measurement.errors == 2  # read errors are connections closed by sync workers
    assert measurement.non_2xx_3xx == 7


def test_dataset_builds_every_table_it_promises(tmp_path):
    from academy.accounts.passwords import verify_password
    from academy import create_app

    dataset = build_dataset(tmp_path, Sizes(organisations=12, users=40, audit_events=15))

    assert dataset.counts["regions"] == 5
    assert dataset.counts["organisations"] == 12
    assert dataset.counts["users"] == 40
    assert dataset.counts["audit_events"] == 15
    app = create_app({"SQLALCHEMY_DATABASE_URI": dataset.url})
    with app.app_context():
        from academy.extensions import db

        password_hash = db.session.execute(sa.text("SELECT password_hash FROM users WHERE email = :email"),
                                           {"email": dataset.facts["admin_email"]}).scalar_one()
        assert verify_password(password_hash, dataset.facts["admin_password"])
        db.engine.dispose()


def test_scenarios_have_unique_names_and_site_paths():
    names = [scenario.name for scenario in [BASELINE, *SCENARIOS]]
    assert len(names) == len(set(names))
    facts = {"search_term": "Green", "trainee_lesson_id": 2}
    assert all(scenario.url_path(facts).startswith("/") for scenario in SCENARIOS)
    assert any(scenario.target for scenario in SCENARIOS)


def test_learning_scenarios_sign_in_as_a_trainee_and_have_targets():
    learning = [scenario for scenario in SCENARIOS if scenario.dataset == "learning"]
    assert {scenario.name for scenario in learning} == {"learning_home", "learning_lesson"}
    assert all(s.signed_in and s.account == "trainee" and s.target == 0.5 for s in learning)


def test_learning_dataset_is_consistent(tmp_path):
    from academy import create_app
    from academy.accounts.passwords import verify_password

    sizes = Sizes(organisations=3, users=5, audit_events=1, trainees=6, modules=4, lessons_per_module=3,
                  enrolments_per_trainee=2, lesson_progress=12)
    dataset = build_dataset(tmp_path, sizes)

    assert dataset.counts["users"] == 5 + 6
    assert dataset.counts["modules"] == 4
    assert dataset.counts["lessons"] == 12
    assert dataset.counts["enrolments"] == 12
    assert dataset.counts["lesson_progress"] == 12
    app = create_app({"SQLALCHEMY_DATABASE_URI": dataset.url})
    with app.app_context():
        from academy.extensions import db

        def scalar(sql, **params):
            return db.session.execute(sa.text(sql), params).scalar_one()

        # Progress only on lessons of the enrolment's own module; completed exactly when all are done.
        assert scalar("SELECT count(*) FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id "
                      "JOIN enrolments e ON e.id = p.enrolment_id WHERE l.module_id != e.module_id") == 0
        assert scalar("SELECT count(*) FROM enrolments e WHERE (e.status = 'completed') != "
                      "((SELECT count(*) FROM lesson_progress p WHERE p.enrolment_id = e.id) = 3)") == 0
        password_hash = scalar("SELECT password_hash FROM users WHERE email = :email",
                               email=dataset.facts["trainee_email"])
        assert verify_password(password_hash, dataset.facts["trainee_password"])
        trainee_id = scalar("SELECT id FROM users WHERE email = :email", email=dataset.facts["trainee_email"])
        assert scalar("SELECT count(*) FROM enrolments e JOIN lessons l ON l.module_id = e.module_id "
                      "WHERE e.user_id = :user AND l.id = :lesson", user=trainee_id,
                      lesson=dataset.facts["trainee_lesson_id"]) == 1
        db.engine.dispose()


def test_default_dataset_leaves_learning_out(tmp_path):
    dataset = build_dataset(tmp_path, Sizes(organisations=2, users=3, audit_events=1))
    assert "lesson_progress" not in dataset.counts
    assert "trainee_email" not in dataset.facts


def test_learning_pages_query_counts_are_compared_on_small_and_larger_data(tmp_path):
    from benchmarks.querycounts import compare

    (tmp_path / "bigger").mkdir()
    bigger = build_dataset(tmp_path / "bigger", Sizes(organisations=3, users=5, audit_events=1, trainees=40,
                                                      modules=6, lessons_per_module=5,
                                                      enrolments_per_trainee=5, lesson_progress=400))
    line = compare(bigger, tmp_path / "small")

    assert set(line["pages"]) == {"learning_home", "learning_lesson"}
    assert all(page["small"] > 0 for page in line["pages"].values())
    assert line["large_dataset"]["lesson_progress"] == 400
    assert line["met"] is True, line


def test_benchmark_report_prints_json_lines_and_summarises_missed_targets(tmp_path, capsys):
    from benchmarks.report import Report

    report = Report()
    report.emit({"benchmark": "fast", "target": "ratio >= 0.5", "met": True})
    report.emit({"benchmark": "slow", "target": "ratio >= 0.5", "met": False})
    report.emit({"benchmark": "reference", "target": None, "met": None})
    report.emit_summary("summary", elapsed_s=1.5)
    report.write(str(tmp_path / "out" / "results.jsonl"))

    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    written = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert printed == written
    assert written[-1] == {"benchmark": "summary", "targets": 2, "targets_met": 1, "missed": ["slow"],
                           "elapsed_s": 1.5}


def test_the_benchmark_admin_uses_two_step_verification_with_the_published_secret(tmp_path):
    import pyotp

    from academy import create_app
    from academy.accounts import two_factor
    from academy.accounts.models import User

    dataset = build_dataset(tmp_path, Sizes(organisations=2, users=3, audit_events=1))
    app = create_app({"SQLALCHEMY_DATABASE_URI": dataset.url})
    with app.app_context():
        from academy.extensions import db

        admin = db.session.scalar(sa.select(User).where(User.email == dataset.facts["admin_email"]))
        assert admin.has_two_factor
        assert two_factor.verify(admin, pyotp.TOTP(dataset.facts["admin_totp_secret"]).now())
        db.engine.dispose()
