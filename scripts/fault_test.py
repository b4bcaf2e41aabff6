"""Fault tests on a private stack: `python -m scripts.fault_test [--only NAME ...] [--write]`.

Starts its own PostgreSQL, Redis and Kafka (ports 61632/61679/61692, a temporary state directory),
the API and one snippet consumer; under load, kills the consumer, restarts the broker and
PostgreSQL, stops Redis and fills the query log's disk, one after the other. Prints the results
table; with --write puts it into docs/RELIABILITY.md (between the fault-table markers). Needs root
for the tmpfs of the disk-full scenario (skipped otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from tools.faults import run_all, table

DOC = Path(__file__).resolve().parents[1] / "docs" / "RELIABILITY.md"
BEGIN, END = "<!-- fault-table:begin -->", "<!-- fault-table:end -->"


def write_table(text: str, *, command: str) -> None:
    doc = DOC.read_text()
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    DOC.write_text(doc[:start] + f"\n`{command}`:\n\n{text}\n" + doc[end:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.fault_test", description=__doc__)
    parser.add_argument("--only", nargs="*", help="scenario names (default: all)")
    parser.add_argument("--work", type=Path, default=None, help="state directory (default: a temporary one)")
    parser.add_argument("--write", action="store_true", help=f"write the table into {DOC.name}")
    args = parser.parse_args(argv)
    outcomes = asyncio.run(run_all(args.work, only=args.only))
    text = table(outcomes)
    print(text)
    if args.write:
        write_table(text, command="python -m scripts.fault_test --write")
    bad = [
        o
        for o in outcomes
        if not o.skipped
        and (o.lost or o.duplicates or o.during.snippets.get(500) or o.during.searches.get(500))
    ]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
