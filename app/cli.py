"""Operator CLI: `python -m app.cli keys create --name demo --scopes search,ingest`."""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy import select

from app.auth.keys import parse_miners, parse_scopes
from app.auth.service import announce_revocation, create_key, revoke_key
from app.auth.tables import ApiKey
from app.core.clients import build_redis
from app.core.config import get_settings
from app.core.db import create_engine, create_sessionmaker


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
    args = parser.parse_args(argv)

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
