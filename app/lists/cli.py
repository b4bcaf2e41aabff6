"""`python -m app.cli leads export --icp NAME [--workspace NAME] --limit N --format csv|json --out FILE`:
an ICP's graded leads written to a file with a progress bar on stderr (same rows as the API)."""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TextIO

from app.audit.service import AuditEvent, append
from app.core.config import Settings
from app.core.db import standalone_session
from app.icps.service import find_icp_by_name
from app.lists.export import count_rows, csv_chunks, export_rows, json_chunks
from app.workspaces.cli import named_workspace

BAR_WIDTH = 30


class Progress:
    """A one-line progress bar, redrawn at most ten times a second."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.done, self.out = total, 0, out
        self._drawn = 0.0

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if now - self._drawn >= 0.1 or self.done == self.total:
            self._drawn = now
            self.draw()

    def draw(self) -> None:
        filled = BAR_WIDTH if self.total == 0 else BAR_WIDTH * self.done // self.total
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.out.write(f"\r[{bar}] {self.done}/{self.total} leads")
        self.out.flush()

    def close(self) -> None:
        self.draw()
        self.out.write("\n")


async def export_to_file(
    settings: Settings, *, icp: str, workspace: str | None, limit: int, fmt: str, out: Path, min_grade: int
) -> int:
    async with standalone_session(settings) as session:
        workspace_id = await named_workspace(session, workspace)
        if workspace_id is None:
            return 1
        row = await find_icp_by_name(session, workspace_id=workspace_id, name=icp)
        if row is None:
            print(f"no ICP named {icp!r} in workspace {workspace or 'default'!r}", file=sys.stderr)
            return 1
        total = await count_rows(
            session, workspace_id=workspace_id, icp_id=row.id, limit=limit, min_grade=min_grade
        )
        detail = {"format": fmt, "limit": limit, "min_grade": min_grade, "via": "cli"}
        events = [AuditEvent(action="export", object_type="icp", object_id=str(row.id), detail=detail)]
        await append(session, workspace_id=workspace_id, api_key_id=None, events=events)
        await session.commit()
        progress = Progress(total, sys.stderr)
        rows = export_rows(
            session, workspace_id=workspace_id, icp_id=row.id, limit=limit, min_grade=min_grade
        )

        async def counted() -> AsyncIterator[dict[str, Any]]:
            async for item in rows:
                progress.step()
                yield item

        chunks = csv_chunks(counted()) if fmt == "csv" else json_chunks(counted())
        with out.open("w", encoding="utf-8", newline="") as handle:
            async for chunk in chunks:
                handle.write(chunk)
        progress.close()
    print(f"wrote {progress.done} leads to {out}", file=sys.stderr)
    return 0
