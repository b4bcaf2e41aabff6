"""tools/profile_search.py: samples charged to stages, CPU ms per search, the CPU-time sampler."""

from __future__ import annotations

import time

from tools.profile_search import CpuSampler, attribute, markdown, parse_stack, stage_of, table

SERVE = "run (/x/uvicorn/main.py:1);__call__ (/w/app/core/body_limit.py:9)"
COMPUTE = f"{SERVE};_compute (/w/app/leads/service.py:140);run_search (/w/app/leads/flow.py:80)"


def test_the_innermost_app_frame_names_the_stage() -> None:
    features = f"{COMPUTE};compute_features (/w/app/ranking/features.py:150);__matmul__ (numpy/core.py:3)"
    assert stage_of(parse_stack(features)) == "features"
    explain = f"{COMPUTE};contributions (/w/app/ranking/compiled.py:170)"
    assert stage_of(parse_stack(explain)) == "explanations"
    assert stage_of(parse_stack(f"{COMPUTE};predict (/w/app/ranking/compiled.py:44)")) == "rerank"
    # an app module without a rule is charged to itself; middleware passes through to the library
    assert stage_of(parse_stack(f"{SERVE};poll (/w/app/jobs/worker.py:3)")) == "app/jobs/worker"
    validate = f"{SERVE};solve (/x/fastapi/dependencies/utils.py:5)"
    assert stage_of(parse_stack(validate)) == "HTTP + validation (uvicorn, FastAPI, pydantic)"
    assert stage_of(parse_stack("_run_once (/usr/lib/python3.11/asyncio/base_events.py:1)")) == "event loop"


def test_a_rule_names_a_part_of_a_qualified_name() -> None:
    """The CPU sampler names methods and nested functions by their qualified names."""
    lead = f"{COMPUTE};SearchService._build_leads.<locals>.<listcomp> (/w/app/leads/service.py:300)"
    assert stage_of(parse_stack(lead)) == "explanations"
    table_of = f"{COMPUTE};ContributionTable.contributions (/w/app/ranking/compiled.py:170)"
    assert stage_of(parse_stack(table_of)) == "explanations"
    assert (
        stage_of(parse_stack(f"{COMPUTE};SearchService._search (/w/app/leads/service.py:1)"))
        == "JSON response"
    )
    assert stage_of(parse_stack(f"{COMPUTE};SearchService._finish (/w/app/leads/service.py:1)")) == (
        "search service (rest)"
    )
    answer = f"{COMPUTE};search_answer (/w/app/jobs/search_pages.py:1)"
    assert stage_of(parse_stack(answer)) == "JSON response"


def test_the_table_spreads_the_measured_cpu_over_the_stages() -> None:
    lines = [f"{COMPUTE};compute_features (/w/app/ranking/features.py:150) 30", f"{SERVE} 10", "garbage"]
    result = table(attribute(lines), requests=20, cpu_s=0.4, rate=250)
    assert result["samples"] == 40
    assert result["ms_per_search"] == 20.0
    assert result["stages"][0]["stage"] == "features"
    assert result["stages"][0]["ms_per_search"] == 15.0
    assert "| **total** | 40 | 100% | **20.00** |" in markdown(result)


def test_the_sampler_counts_cpu_not_sleep() -> None:
    sampler = CpuSampler(0.004)
    sampler.start()
    try:
        time.sleep(0.3)
        asleep = sum(sampler.counts.values())
        started = time.process_time()
        while time.process_time() - started < 0.3:
            pass
    finally:
        sampler.stop()
    assert asleep <= 2
    assert sum(sampler.counts.values()) - asleep >= 20  # ~75 at 4 ms; kernels tick at 100-1000 Hz
