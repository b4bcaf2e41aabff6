"""Charging a CPU profile of the API to search stages (used by `scripts/profile_search.py`).

`CpuSampler` samples the main thread's stack every `interval_s` of the process's CPU time
(`ITIMER_PROF`: user + system), so a sample is a slice of CPU, never a wait. `attribute` charges
each stack (py-spy's raw format: `frame;frame;... count`) to one stage: the stage of the innermost
frame of this repository's `app/` that matches `RULES` (an app frame no rule names is charged to its
own module; middleware that only wraps the request passes through), or, for a stack without an app
frame, to the library at its top. `table` spreads measured CPU seconds over the stages.
"""

from __future__ import annotations

import re
import signal
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

# (stage, file pattern, function pattern), most specific first; matched against the innermost app frame.
# The search stages' modules before app/leads/flow.py ran them in order (pipeline, prior, retrieve)
# are named too, so a profile of an earlier tree gets the same stages.
RULES: tuple[tuple[str, str, str], ...] = (
    ("explanations", r"app/ranking/(explain|highlight)\.py", r".*"),
    ("explanations", r"app/ranking/(reranker|compiled)\.py", r"contributions"),
    ("explanations", r"app/leads/service\.py", r"_build_leads|signal_out|matched_words"),
    ("rerank", r"app/ranking/(reranker|compiled|calibration)\.py", r".*"),
    ("rerank", r"app/leads/(rerank|pipeline)\.py", r"rerank.*|match_scores"),
    ("features", r"app/ranking/(features|columns|vectors)\.py", r".*"),
    ("features", r"app/leads/prepare\.py", r"Prepared\.features"),
    ("features", r"app/leads/(candidates|pipeline)\.py", r"complete_candidates|pending_from|features_of"),
    ("bm25", r"app/leads/(candidates|pipeline)\.py", r"bm25_.*"),
    (
        "ann (client side)",
        r"app/leads/(candidates|retrieve|flow)\.py",
        r"ann_search.*|ann_rows.*|vector_literal.*|.*query|_let_ann_send",
    ),
    ("candidates (union, filters, prior)", r"app/leads/(candidates|prior|retrieve)\.py", r".*"),
    (
        "candidates (union, filters, prior)",
        r"app/leads/pipeline\.py",
        r"(candidate_rows|admissible|fill_order|merge_candidates).*",
    ),
    ("bm25", r"app/ranking/bm25\.py", r".*"),
    ("embed", r"app/ranking/embedding\.py", r".*"),
    ("parse", r"app/ranking/(prompt|text|gazetteer|category)\.py", r".*"),
    ("prepare (exemplars, filters)", r"app/leads/(prepare|pipeline)\.py", r"prepare.*"),
    ("hydration", r"app/leads/hydrate\.py", r".*"),
    ("hydration", r"app/leads/service\.py", r"_leads"),
    ("cache", r"app/leads/cache\.py", r".*"),
    ("query log", r"app/leads/querylog\.py", r".*"),
    # The service serialises the answer it computed once (its cached bytes are the response body).
    ("JSON response", r"app/leads/service\.py", r"_search|search_json"),
    ("search service (rest)", r"app/leads/(service|flow)\.py", r".*"),
    ("JSON response", r"app/leads/routes\.py", r"search_leads"),
    ("JSON response", r"app/jobs/search_pages\.py", r"search_answer"),  # the answer's bytes
    ("auth + rate limit", r"app/auth/|app/api/deps\.py", r".*"),
    ("metrics + cost meter", r"app/observability/|app/core/metrics\.py", r".*"),
    ("DB pool", r"app/core/db\.py", r".*"),
    ("index refresh (background)", r"app/leads/(index|loader|snapshot)\.py", r".*"),
    ("model poll (background)", r"app/leads/models_registry\.py", r".*"),
    ("request middleware", r"app/core/(errors|logging)\.py|app/main\.py", r".*"),
)
LIBRARY_RULES: tuple[tuple[str, str], ...] = (
    ("HTTP + validation (uvicorn, FastAPI, pydantic)", r"uvicorn|starlette|fastapi|pydantic|httptools|h11"),
    ("asyncpg protocol", r"asyncpg"),
    ("redis client", r"redis"),
    ("prometheus", r"prometheus_client"),
    ("event loop", r"asyncio|uvloop|selectors|threading"),
)
# Middleware frames that only wrap the request: what runs under them is charged by the frames below.
PASS_THROUGH = re.compile(r"app/core/body_limit\.py|app/observability/http\.py")
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
_APP = re.compile(r"(?:^|/)(app/[\w/]+\.py)$")


@dataclass(frozen=True, slots=True)
class Frame:
    function: str
    file: str


def parse_stack(text: str) -> list[Frame]:
    """Frames of one raw py-spy line's stack, outermost first (the count already stripped)."""
    frames = []
    for part in text.split(";"):
        match = _FRAME.match(part.strip())
        if match:
            frames.append(Frame(match["func"], match["file"]))
        elif part.strip():
            frames.append(Frame(part.strip(), ""))
    return frames


def stage_of(frames: list[Frame]) -> str:
    for frame in reversed(frames):
        app = _APP.search(frame.file)
        if app is None:
            continue
        path = app.group(1)
        if PASS_THROUGH.search(path):
            continue
        # A method or a nested function is named by its qualified name ("SearchService._build_leads",
        # "prior_picks.<locals>.consider"): a rule names any part of it.
        names = (frame.function, *frame.function.split("."))
        for stage, file_pattern, function_pattern in RULES:
            if re.search(file_pattern, path) and any(re.fullmatch(function_pattern, n) for n in names):
                return stage
        return path.removesuffix(".py")
    for frame in reversed(frames):
        for stage, pattern in LIBRARY_RULES:
            if re.search(pattern, frame.file):
                return stage
    return "other (interpreter, GC, threads)"


def attribute(lines: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        counts[stage_of(parse_stack(stack))] += int(count)
    return counts


def table(counts: Counter[str], *, requests: int | None, cpu_s: float | None, rate: float) -> dict[str, Any]:
    total = sum(counts.values())
    cpu = cpu_s if cpu_s is not None else total / rate
    rows = [
        {
            "stage": stage,
            "samples": n,
            "share": n / total if total else 0.0,
            "ms_per_search": (cpu * n / total / requests * 1e3) if requests and total else None,
        }
        for stage, n in counts.most_common()
    ]
    return {
        "samples": total,
        "cpu_s": cpu,
        "requests": requests,
        "ms_per_search": cpu / requests * 1e3 if requests else None,
        "stages": rows,
    }


def markdown(result: dict[str, Any]) -> str:
    lines = ["| stage | samples | share | CPU ms per search |", "|---|---:|---:|---:|"]
    for row in result["stages"]:
        ms = f"{row['ms_per_search']:.2f}" if row["ms_per_search"] is not None else "-"
        lines.append(f"| {row['stage']} | {row['samples']:,} | {row['share']:.1%} | {ms} |")
    total = result["ms_per_search"]
    lines.append(
        f"| **total** | {result['samples']:,} | 100% | {f'**{total:.2f}**' if total is not None else '-'} |"
    )
    return "\n".join(lines)


class CpuSampler:
    """Stacks of the main thread, one per `interval_s` of the process's CPU time (SIGPROF)."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.counts: Counter[str] = Counter()

    def _sample(self, signum: int, frame: FrameType | None) -> None:
        frames = []
        while frame is not None:
            code = frame.f_code
            frames.append(f"{code.co_qualname} ({code.co_filename}:{frame.f_lineno})")
            frame = frame.f_back
        self.counts[";".join(reversed(frames))] += 1

    def start(self) -> None:
        signal.signal(signal.SIGPROF, self._sample)
        signal.signal(signal.SIGUSR1, lambda *_: self.counts.clear())  # e.g. once the server is ready
        signal.setitimer(signal.ITIMER_PROF, self.interval_s, self.interval_s)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0.0, 0.0)

    def write(self, path: Path) -> None:
        counts = list(self.counts.items())  # a copy: a sample may land while the file is written
        path.write_text("".join(f"{stack} {n}\n" for stack, n in counts))
