"""Small constructors that keep the hand-written catalogue compact and readable.

Templates use ``{slot}`` fields. Common slots are filled by the evidence writer: ``name`` (company),
``city``, ``n`` (2-12), ``big`` (20-400), ``pct`` (15-90), ``months`` (3-18), ``q`` (Q1-Q4),
``year``, ``role`` (one of the need's personas), ``tech`` and ``legacy`` (the need's technologies).
Any other slot must be listed in the need's ``slots``.
"""

from __future__ import annotations

from dev.world.model import BasePrompt, Category, Need

ANY_SIZE = (1, 10_000_000)


def need(
    need_id: str,
    label: str,
    *,
    sectors: str = "",
    size: tuple[int, int] = ANY_SIZE,
    weight: float = 1.0,
    phrases: tuple[str, ...],
    news: tuple[str, ...] = (),
    job: tuple[str, ...] = (),
    social: tuple[str, ...] = (),
    review: tuple[str, ...] = (),
    web: tuple[str, ...] = (),
    slots: dict[str, tuple[str, ...]] | None = None,
    techs: tuple[str, ...] = (),
    legacy: tuple[str, ...] = (),
    personas: tuple[str, ...] = ("Operations Manager",),
) -> Need:
    evidence = {"news": news, "job_post": job, "social": social, "review": review, "web": web}
    return Need(
        id=need_id,
        label=label,
        sectors=tuple(sectors.split()),
        min_employees=size[0],
        max_employees=size[1],
        weight=weight,
        phrases=phrases,
        evidence={k: v for k, v in evidence.items() if v},
        slots=dict(slots or {}),
        techs=techs,
        legacy=legacy,
        personas=personas,
    )


def category(
    category_id: str,
    name: str,
    *,
    needs: str,
    size: tuple[int, int] = ANY_SIZE,
    budget: int = 20_000,
    incumbents: tuple[str, ...] = (),
    vendor_naics: str = "513210",
    vendors: tuple[str, ...],
    prompts: tuple[str | BasePrompt, ...],
    exemplar: str,
    distractors: tuple[str, ...] = (),
) -> Category:
    return Category(
        id=category_id,
        name=name,
        needs=tuple(needs.split()),
        min_employees=size[0],
        max_employees=size[1],
        min_budget=budget,
        incumbents=incumbents,
        vendor_naics=vendor_naics,
        vendor_lines=vendors,
        prompts=tuple(p if isinstance(p, BasePrompt) else BasePrompt(text=p) for p in prompts),
        exemplar_clause=exemplar,
        distractors=distractors,
    )


def P(text: str, *, size: str | None = None, countries: str = "", sectors: str = "") -> BasePrompt:
    """A base prompt whose text targets a size band, countries or NAICS sectors (graded as hard targets)."""
    return BasePrompt(
        text=text, size=size, countries=tuple(countries.split()), sectors=tuple(sectors.split())
    )
