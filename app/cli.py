"""Operator CLI: `python -m app.cli keys create --name demo --scopes search,ingest`,
`python -m app.cli index build --out /var/lib/leadpoet/snapshots`."""

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
from app.core.db import create_engine, create_sessionmaker
from app.leads.snapshot import SnapshotError, build_snapshot, current_snapshot, verify_snapshot
from app.ranking.embedding import load_embedder


async def _create(
    name: str, scopes: list[str], rate_limit: int | None, quiet: bool, miners: list[str] | None
) -> int:
    settings = get_settings()
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            row, new = await create_key(
                session,
                name=name,
                scopes=scopes,
                pepper=settings.api_key_pepper,
                rate_limit_per_minute=rate_limit,
                miner_ids=miners,
            )
            await session.commit()
    finally:
        await engine.dispose()
    if quiet:
        print(new.clear)
    else:
        bound = f" miners={','.join(sorted(set(miners)))}" if miners is not None else ""
        print(f"created key {row.prefix} name={name} scopes={','.join(scopes)}{bound}")
        print(f"API key (shown once, store it now): {new.clear}")
    return 0


async def _list() -> int:
    engine = create_engine(get_settings())
    try:
        async with create_sessionmaker(engine)() as session:
            rows = (await session.execute(select(ApiKey).order_by(ApiKey.created_at))).scalars().all()
    finally:
        await engine.dispose()
    for r in rows:
        state = "revoked" if r.revoked_at else "active"
        miners = ",".join(r.miner_ids) if r.miner_ids is not None else "*"
        print(
            f"{r.prefix}\t{r.name}\t{','.join(r.scopes)}\t{r.rate_limit_per_minute or '-'}\t{miners}\t{state}"
        )
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


def main(argv: list[str] | None = None) -> int:
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
    keys.add_parser("list", help="list keys (never their secrets)")
    revoke = keys.add_parser("revoke", help="revoke a key by its prefix")
    revoke.add_argument("prefix")
    index = sub.add_parser("index", help="index snapshots").add_subparsers(dest="action", required=True)
    build = index.add_parser("build", help="build a snapshot of the lead index from PostgreSQL")
    build.add_argument("--out", required=True, type=Path, help="snapshot root (CURRENT names the newest)")
    build.add_argument("--keep", type=int, default=2, help="snapshots kept in the root (default 2)")
    verify = index.add_parser("verify", help="check a snapshot's files against its manifest")
    verify.add_argument("path", type=Path, help="a snapshot root (its CURRENT) or one snapshot")
    args = parser.parse_args(argv)

    if args.group == "index":
        if args.action == "build":
            if args.keep < 1:
                parser.error("--keep must be at least 1")
            return asyncio.run(_index_build(args.out, args.keep))
        return _index_verify(args.path)

    if args.action == "create":
        try:
            scopes = parse_scopes(args.scopes)
        except ValueError as exc:
            parser.error(str(exc))
        try:
            miners = parse_miners(args.miners) if args.miners is not None else None
        except ValueError as exc:
            parser.error(str(exc))
        if miners is not None and "ingest" not in scopes:
            parser.error("--miners applies to keys with the ingest scope")
        if miners is None and "ingest" in scopes:
            print(
                "warning: this ingest key may post for ANY miner; bind it with --miners a,b", file=sys.stderr
            )
        return asyncio.run(_create(args.name, scopes, args.rate_limit, args.quiet, miners))
    if args.action == "list":
        return asyncio.run(_list())
    return asyncio.run(_revoke(args.prefix))


if __name__ == "__main__":
    sys.exit(main())
