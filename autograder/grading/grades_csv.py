"""``grades.csv``: one row per (student, assignment), written as each submission finishes.

Each finished submission appends its row and fsyncs the file, so a crash or Ctrl-C loses
at most the submissions that were still running. A restarted run reads the file (a last
line cut short by the crash is dropped), grades only the submissions without a row (or
whose files changed since, or whose row says the grader itself failed), and at the end
rewrites the file sorted by assignment and student, atomically, so an interrupted and
restarted run ends with the same file as an uninterrupted one.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "tests", "details", "submission_hash"]


def _format_number(value) -> str:
    if value is None or value == "":
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.4g}"


def _line(row: dict) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        [_format_number(row.get(c)) if c in ("score", "max_score") else str(row.get(c, "")) for c in COLUMNS])
    return buffer.getvalue()


class GradesFile:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows: dict[tuple[str, str], dict] = {}
        self._read()

    def _read(self) -> None:
        if not self.path.exists():
            return
        text = self.path.read_text(encoding="utf-8", errors="replace")
        if text and not text.endswith("\n"):
            text = text[: text.rfind("\n") + 1]  # the last row was cut short: it will be regraded
        reader = csv.DictReader(io.StringIO(text))
        for row in reader:
            if not row.get("student_id") or not row.get("assignment") or None in row.values():
                continue
            self.rows[(row["assignment"], row["student_id"])] = {c: row.get(c, "") for c in COLUMNS}
        self._header_ok = reader.fieldnames == COLUMNS

    def done(self, assignment: str, student: str, submission_hash: str) -> bool:
        row = self.rows.get((assignment, student))
        return (row is not None and row.get("submission_hash") == submission_hash
                and "grader_error" not in row.get("status", ""))

    def append(self, row: dict) -> None:
        """Add (or replace) a row and make it durable before returning."""
        key = (row["assignment"], row["student_id"])
        replacing = key in self.rows
        self.rows[key] = {c: row.get(c, "") for c in COLUMNS}
        if replacing or not self.path.exists() or not getattr(self, "_header_ok", True) or self._torn():
            self.rewrite()
            return
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(_line(row))
            handle.flush()
            os.fsync(handle.fileno())

    def _torn(self) -> bool:
        """True when the file does not end with a newline (a crash cut the last row)."""
        size = self.path.stat().st_size
        if size == 0:
            return True
        with open(self.path, "rb") as handle:
            handle.seek(size - 1)
            return handle.read(1) != b"\n"

    def rewrite(self) -> None:
        """All rows, sorted, written to a temporary file that then replaces grades.csv."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(",".join(COLUMNS) + "\n")
            for key in sorted(self.rows):
                handle.write(_line(self.rows[key]))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        self._header_ok = True
        try:
            folder = os.open(self.path.parent, os.O_RDONLY)
            os.fsync(folder)
            os.close(folder)
        except OSError:
            pass
