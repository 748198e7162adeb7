"""Counting the SQL statements a block of code sends, to prove that pages do not grow N+1 queries."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class QueryLog:
    """The statements seen while counting; ``count`` is how many there were."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __len__(self) -> int:
        return self.count

    def describe(self) -> str:
        """The statements, numbered, one per line (for assertion messages)."""
        return "\n".join(f"{number:3}. {' '.join(sql.split())}"
                         for number, sql in enumerate(self.statements, start=1))

    def _listener(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)


@contextmanager
def count_queries(engine: Engine | None = None) -> Iterator[QueryLog]:
    """Record every statement sent through ``engine`` (the app's engine by default) in the block.

    ``with count_queries() as queries: client.get("/")`` then ``queries.count``.
    """
    if engine is None:
        from academy.extensions import db

        engine = db.engine
    log = QueryLog()
    event.listen(engine, "before_cursor_execute", log._listener)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", log._listener)
