"""How every benchmark reports: one JSON line per figure on stdout, progress on stderr, and the
same lines written to a file under ``bench-results/`` for later comparison."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def log(message: str) -> None:
    """Progress and readable tables: stderr, so that stdout stays JSON lines only."""
    print(message, file=sys.stderr, flush=True)


class Report:
    """The JSON lines of one benchmark run, printed as they come and written at the end."""

    def __init__(self) -> None:
        self.lines: list[dict] = []

    def emit(self, line: dict) -> None:
        """Print ``line`` as one JSON line now and keep it for ``write``."""
        self.lines.append(line)
        print(json.dumps(line, ensure_ascii=False), flush=True)

    def emit_summary(self, name: str, **extra) -> None:
        """A last line counting the lines that have a target and naming those that missed it."""
        with_target = [line for line in self.lines if line.get("target")]
        self.emit({"benchmark": name, "targets": len(with_target),
                   "targets_met": sum(1 for line in with_target if line.get("met")),
                   "missed": [line["benchmark"] for line in with_target if not line.get("met")],
                   **extra})

    def write(self, output: str) -> None:
        """Write the lines to ``output`` (nothing when it is empty)."""
        if not output:
            return
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in self.lines))
        log(f"written to {path}")
