"""The job worker deployment: `python -m app.jobs` loads the ranker and the drafts component, then
runs the job worker (campaigns, enrich and score jobs, webhook deliveries) until SIGTERM/SIGINT; the
running jobs' leases are given back on the way out. Its meters are served on JOBS_METRICS_PORT
(/metrics)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Sequence

from fastapi import FastAPI
from prometheus_client import start_http_server

from app.api.lifespan import drafts_hook, jobs_hook, make_lifespan, ranker_hook
from app.core.config import Settings, get_settings
from app.core.logging import configure_logging


async def serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    settings = settings.model_copy(update={"jobs_worker_enabled": True})
    if settings.jobs_metrics_port:
        start_http_server(settings.jobs_metrics_port)
    holder = FastAPI()
    async with make_lifespan(settings, [ranker_hook, drafts_hook, jobs_hook])(holder):
        print("job worker running", flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m app.jobs", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level)
    asyncio.run(serve(settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
