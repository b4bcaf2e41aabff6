"""The console's startup hook: template environment, static files and the meter sampler."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.console.operator import MeterHistory, read_meters
from app.core.clients import Cleanup, CoreClients
from app.core.metrics import metrics_registry
from app.core.periodic import Periodic

HERE = Path(__file__).resolve().parent
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    media_type: str
    etag: str


@dataclass
class Console:
    """What console routes reach as `ConsoleDep`."""

    templates: Environment
    static: dict[str, StaticFile]
    history: MeterHistory
    sampler: Periodic


def load_static(folder: Path) -> dict[str, StaticFile]:
    """Every asset, read once: served from memory with a content hash as ETag and cache-buster."""
    files: dict[str, StaticFile] = {}
    for path in sorted(folder.iterdir()):
        media_type = STATIC_TYPES.get(path.suffix)
        if media_type is None or not path.is_file():
            continue
        body = path.read_bytes()
        files[path.name] = StaticFile(
            body=body, media_type=media_type, etag=hashlib.sha256(body).hexdigest()[:16]
        )
    return files


def build_templates(static: dict[str, StaticFile]) -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["asset"] = lambda name: f"/app/static/{name}?v={static[name].etag}"
    return env


async def start_console(core: CoreClients) -> tuple[Console | None, Cleanup | None]:
    """The console (None when CONSOLE_ENABLED is off) and the cleanup of its meter sampler."""
    settings = core.settings
    if not settings.console_enabled:
        return None, None
    static = load_static(HERE / "static")
    history = MeterHistory(
        read=lambda: read_meters(metrics_registry(settings)), keep=settings.console_samples_kept
    )
    await history.sample()
    sampler = Periodic(
        name="console-meter-sampler", interval_s=settings.console_sample_interval_s, action=history.sample
    )
    console = Console(templates=build_templates(static), static=static, history=history, sampler=sampler)
    sampler.start()
    return console, sampler.stop
