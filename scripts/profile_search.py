"""CPU per search, stage by stage, from a profile of the API serving searches.

    python -m scripts.profile_search serve --port 18103 --stacks .dev/results/search.stacks
        # the API (uvicorn, one worker, the environment's settings) in this process, sampled on CPU
        # time; `kill -USR1 PID` drops the samples so far (start-up), then send it searches (e.g.
        # scripts/cpu_ab.py); `kill -USR2 PID` writes the stacks, as does stopping it with Ctrl-C
    python -m scripts.profile_search table .dev/results/search.stacks --requests 400 [--cpu-s 7.1] \
        [--json out.json] [--md out.md]

`serve` samples the stack of the serving thread every `--interval-ms` of the process's CPU time
(`ITIMER_PROF`: user + system), so a sample is a slice of CPU, never a wait: a wall-clock sampler
(py-spy) also counts the time a runnable thread waits for a core, which on a loaded machine piles
up at system calls and misleads. The stacks are written in py-spy's raw format (`py-spy record
--format raw --full-filenames` output is read as well).

Each sample is charged to one stage (tools/profile_search.py, `RULES`): the stage of the
innermost frame of this repository's `app/` that matches a rule (an app frame no rule names
is charged to its own module, so nothing hides), or, for a stack without an app frame, to the
library at its top (uvicorn/FastAPI/pydantic: HTTP and validation; asyncio: the event loop). A
library called from app code (numpy, LightGBM, onnxruntime, asyncpg, orjson) is charged to the app
frame that called it. With `--requests` (the searches answered while sampling) and `--cpu-s` (the
worker's CPU seconds meanwhile; default samples / rate), the table gives ms of CPU per search.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from tools.profile_search import CpuSampler, attribute, markdown, table


def serve(args: argparse.Namespace) -> None:
    import uvicorn  # noqa: PLC0415 - only the serve command runs a server

    from app.main import create_app  # noqa: PLC0415

    sampler = CpuSampler(args.interval_ms / 1e3)
    signal.signal(signal.SIGUSR2, lambda *_: sampler.write(args.stacks))
    config = uvicorn.Config(
        create_app(), host="127.0.0.1", port=args.port, access_log=False, log_level="warning"
    )
    sampler.start()
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:
        pass
    finally:
        sampler.stop()
        sampler.write(args.stacks)
        print(
            f"{sum(sampler.counts.values())} samples of {args.interval_ms} ms CPU -> {args.stacks}",
            file=sys.stderr,
        )


def table_command(args: argparse.Namespace) -> None:
    counts = attribute(args.stacks.read_text().splitlines())
    result = table(counts, requests=args.requests, cpu_s=args.cpu_s, rate=args.rate)
    text = markdown(result)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    if args.md:
        args.md.write_text(text + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve the API in this process, sampled on CPU time")
    run.add_argument("--port", type=int, default=18103)
    run.add_argument("--stacks", type=Path, required=True)
    run.add_argument("--interval-ms", type=float, default=2.0)
    run.set_defaults(handler=serve)
    tab = commands.add_parser("table", help="the stage table of a stacks file")
    tab.add_argument("stacks", type=Path, help="`serve --stacks` or py-spy raw output")
    tab.add_argument("--requests", type=int, default=None, help="searches answered while sampling")
    tab.add_argument("--cpu-s", type=float, default=None, help="CPU seconds meanwhile (default: samples)")
    tab.add_argument("--rate", type=float, default=500.0, help="samples per CPU (or wall) second")
    tab.add_argument("--json", type=Path, default=None)
    tab.add_argument("--md", type=Path, default=None)
    tab.set_defaults(handler=table_command)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
