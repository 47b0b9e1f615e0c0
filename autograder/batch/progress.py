"""What a run of ``mcdl grade`` shows: a progress line while it grades (``Progress``) and its
summary at the end (``Summary``)."""

import sys
import time
from dataclasses import dataclass, field

from autograder.results import printable


@dataclass
class Summary:
    assignment: str
    graded: list = field(default_factory=list)  # SubmissionResult, in the order they finished
    failed: list = field(default_factory=list)  # SubmissionResult
    skipped: list = field(default_factory=list)  # students already graded
    seconds: float = 0.0
    interrupted: bool = False

    def lines(self, slowest=5):
        rejected = sum(result.status == "rejected" for result in self.failed)
        refused = f"{rejected} not graded (see why below), " if rejected else ""
        lines = [f"{self.assignment}: {len(self.graded)} graded, {len(self.failed) - rejected} failed, {refused}"
                 f"{len(self.skipped)} already graded (skipped) in {self.seconds:.1f} s."]
        if self.interrupted:
            lines.append("Interrupted: run the same command again to grade the rest.")
        for result in self.failed:
            label = "NOT GRADED" if result.status == "rejected" else "FAILED"
            lines.append(f"  {label} {printable(result.student)}: {result.error}")
        noted = [r for r in self.graded if r.notes]
        for result in noted:
            lines.append(f"  NOTE {printable(result.student)}: " + "; ".join(result.notes))
        if self.graded:
            ranked = sorted(self.graded, key=lambda r: r.seconds, reverse=True)[:slowest]
            lines.append("Slowest: " + ", ".join(f"{printable(r.student)} {r.seconds:.1f} s" for r in ranked))
        return lines


class Progress:
    """count, rate and time left, on one line of stderr (one line per submission when not a terminal)."""

    def __init__(self, total, stream=None):
        self.total, self.done, self.failed = total, 0, 0
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.live = getattr(self.stream, "isatty", lambda: False)()

    def step(self, result):
        self.done += 1
        self.failed += not result.graded
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 24
        bar = "#" * round(width * self.done / self.total) + "-" * (width - round(width * self.done / self.total))
        text = (f"[{bar}] {self.done}/{self.total} ({self.failed} failed)  {rate * 60:.1f}/min  "
                f"{int(left) // 60}:{int(left) % 60:02d} left  {printable(result.student)}")
        if self.live:
            print("\r" + text.ljust(100), end="" if self.done < self.total else "\n", file=self.stream, flush=True)
        else:
            print(text, file=self.stream, flush=True)
