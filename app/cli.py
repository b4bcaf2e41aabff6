"""Operator CLI: `python -m app.cli keys create --name demo --scopes search,ingest [--workspace NAME]`,
`python -m app.cli workspaces create|list`, `python -m app.cli leads export --icp NAME ...`,
`python -m app.cli campaign run ...`, `python -m app.cli index build --out DIR`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from sqlalchemy import select

from app.auth.keys import parse_miners, parse_scopes
from app.auth.service import announce_revocation, create_key, revoke_key
from app.auth.tables import ApiKey
from app.core.clients import build_redis
from app.core.config import get_settings
from app.core.db import create_engine, create_sessionmaker, standalone_session
from app.jobs import cli as campaign_cli
from app.leads.snapshot import SnapshotError, build_snapshot, current_snapshot, verify_snapshot
from app.lists.cli import export_to_file
from app.ranking.embedding import load_embedder
from app.workspaces.cli import named_workspace
from app.workspaces.service import create_workspace, ensure_default, list_workspaces
from app.workspaces.tables import Workspace


async def _create(
    name: str,
    *,
    scopes: list[str],
    rate_limit: int | None,
    quiet: bool,
    miners: list[str] | None,
    workspace: str | None,
) -> int:
    settings = get_settings()
    async with standalone_session(settings) as session:
        workspace_id = await named_workspace(session, workspace)
        if workspace_id is None:
            return 1
        row, new = await create_key(
            session,
            name=name,
            scopes=scopes,
            pepper=settings.api_key_pepper,
            rate_limit_per_minute=rate_limit,
            miner_ids=miners,
            workspace_id=workspace_id,
        )
        await session.commit()
    if quiet:
        print(new.clear)
    else:
        where = workspace or "default"
        bound = f" miners={','.join(sorted(set(miners)))}" if miners is not None else ""
        print(f"created key {row.prefix} name={name} scopes={','.join(scopes)}{bound} workspace={where}")
        print(f"API key (shown once, store it now): {new.clear}")
    return 0


async def _list() -> int:
    async with standalone_session(get_settings()) as session:
        rows = (
            await session.execute(
                select(ApiKey, Workspace.name)
                .join(Workspace, Workspace.id == ApiKey.workspace_id)
                .order_by(ApiKey.created_at)
            )
        ).all()
    for r, workspace in rows:
        state = "revoked" if r.revoked_at else "active"
        limit = r.rate_limit_per_minute or "-"
        miners = ",".join(r.miner_ids) if r.miner_ids is not None else "*"
        print(f"{r.prefix}\t{r.name}\t{','.join(r.scopes)}\t{limit}\t{miners}\t{state}\t{workspace}")
    return 0


async def _workspace_create(name: str) -> int:
    async with standalone_session(get_settings()) as session:
        await ensure_default(session)
        try:
            row = await create_workspace(session, name=name)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        await session.commit()
    print(f"created workspace {row.name} id={row.id}")
    return 0


async def _workspace_list() -> int:
    async with standalone_session(get_settings()) as session:
        await ensure_default(session)
        await session.commit()
        rows = await list_workspaces(session)
    for r in rows:
        print(f"{r.name}\t{r.id}\t{r.created_at.isoformat()}")
    return 0


async def _revoke(prefix: str) -> int:
    settings = get_settings()
    engine = create_engine(settings)
    redis = build_redis(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            done = await revoke_key(session, prefix=prefix)
            await session.commit()
        # After the commit: a worker that sees the new version reads the revoked row.
        announced = done and await announce_revocation(redis)
    finally:
        await engine.dispose()
        if redis is not None:
            await redis.aclose()
    print("revoked" if done else "no active key with that prefix")
    if done and not announced:
        print(
            "warning: Redis did not answer; API workers notice within "
            f"AUTH_CACHE_TTL_S ({settings.auth_cache_ttl_s:g} s)"
        )
    return 0 if done else 1


async def _index_build(out: Path, keep: int) -> int:
    settings = get_settings()
    embedder = await asyncio.to_thread(load_embedder, settings)
    engine = create_engine(settings)
    try:
        built = await build_snapshot(
            sessionmaker=create_sessionmaker(engine), embedder=embedder, root=out, keep=keep
        )
    finally:
        await engine.dispose()
    m = built.manifest
    print(
        f"snapshot {built.path}: {m['companies']} companies, {built.bytes / 1e6:.1f} MB, "
        f"{built.seconds:.1f} s, snippets up to {m['watermarks']['snippets']}"
    )
    return 0


def _index_verify(out: Path) -> int:
    path = current_snapshot(out) if (out / "CURRENT").exists() else out
    if path is None:
        print(f"{out}: no current snapshot", file=sys.stderr)
        return 1
    try:
        manifest = verify_snapshot(path)
    except SnapshotError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"snapshot {path}: ok, {len(manifest['files'])} files, checksum {manifest['checksum']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.cli")
    sub = parser.add_subparsers(dest="group", required=True)
    keys = sub.add_parser("keys", help="API keys").add_subparsers(dest="action", required=True)
    create = keys.add_parser("create", help="mint a key and print it once")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", required=True, help="comma-separated: search,ingest,admin")
    create.add_argument("--rate-limit", type=int, default=None, help="requests per minute")
    create.add_argument("--quiet", action="store_true", help="print only the key")
    create.add_argument(
        "--miners",
        default=None,
        help="comma-separated miner ids an ingest key may post snippets for (without it: any miner)",
    )
    create.add_argument("--workspace", default=None, help="workspace name (default: `default`)")
    keys.add_parser("list", help="list keys (never their secrets)")
    revoke = keys.add_parser("revoke", help="revoke a key by its prefix")
    revoke.add_argument("prefix")
    workspaces = sub.add_parser("workspaces", help="workspaces (tenants)").add_subparsers(
        dest="action", required=True
    )
    ws_create = workspaces.add_parser("create", help="create a workspace")
    ws_create.add_argument("name")
    workspaces.add_parser("list", help="list workspaces")
    leads = sub.add_parser("leads", help="graded leads").add_subparsers(dest="action", required=True)
    export = leads.add_parser("export", help="an ICP's graded leads to a CSV or JSON file")
    export.add_argument("--icp", required=True, help="the ICP's name")
    export.add_argument("--workspace", default=None, help="workspace name (default: `default`)")
    export.add_argument("--limit", type=int, default=1000)
    export.add_argument("--min-grade", type=int, default=0)
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--out", type=Path, required=True)
    campaign_cli.add_parser(sub)
    index = sub.add_parser("index", help="index snapshots").add_subparsers(dest="action", required=True)
    build = index.add_parser("build", help="build a snapshot of the lead index from PostgreSQL")
    build.add_argument("--out", required=True, type=Path, help="snapshot root (CURRENT names the newest)")
    build.add_argument("--keep", type=int, default=2, help="snapshots kept in the root (default 2)")
    verify = index.add_parser("verify", help="check a snapshot's files against its manifest")
    verify.add_argument("path", type=Path, help="a snapshot root (its CURRENT) or one snapshot")
    return parser


def _index(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.action == "build":
        if args.keep < 1:
            parser.error("--keep must be at least 1")
        return asyncio.run(_index_build(args.out, args.keep))
    return _index_verify(args.path)


def _leads(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= 100_000 or not 0 <= args.min_grade <= 100:
        parser.error("--limit must be 1..100000 and --min-grade 0..100")
    return asyncio.run(
        export_to_file(
            get_settings(),
            icp=args.icp,
            workspace=args.workspace,
            limit=args.limit,
            fmt=args.format,
            out=args.out,
            min_grade=args.min_grade,
        )
    )


def _workspaces(_: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.action == "create":
        return asyncio.run(_workspace_create(args.name))
    return asyncio.run(_workspace_list())


def _keys(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.action == "list":
        return asyncio.run(_list())
    if args.action == "revoke":
        return asyncio.run(_revoke(args.prefix))
    try:
        scopes = parse_scopes(args.scopes)
        miners = parse_miners(args.miners) if args.miners is not None else None
    except ValueError as exc:
        parser.error(str(exc))
    if miners is not None and "ingest" not in scopes:
        parser.error("--miners applies to keys with the ingest scope")
    if miners is None and "ingest" in scopes:
        print("warning: this ingest key may post for ANY miner; bind it with --miners a,b", file=sys.stderr)
    return asyncio.run(
        _create(
            args.name,
            scopes=scopes,
            rate_limit=args.rate_limit,
            quiet=args.quiet,
            miners=miners,
            workspace=args.workspace,
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.group == "campaign":
        return campaign_cli.command(args)
    handlers = {"index": _index, "leads": _leads, "workspaces": _workspaces, "keys": _keys}
    return handlers[args.group](parser, args)


if __name__ == "__main__":
    sys.exit(main())
