"""Technologies companies run: a general pool, sector-specific tools, and swaps over time."""

from __future__ import annotations

import random

from dev.world.model import TechState

_GENERAL: tuple[tuple[str, float], ...] = (
    ("Microsoft 365", 0.5),
    ("Google Workspace", 0.35),
    ("Slack", 0.3),
    ("Zoom", 0.4),
    ("WordPress", 0.3),
    ("Google Analytics", 0.55),
    ("Cloudflare", 0.2),
    ("HubSpot", 0.18),
    ("Salesforce", 0.12),
    ("QuickBooks", 0.18),
    ("Xero", 0.07),
    ("NetSuite", 0.06),
    ("Zendesk", 0.07),
    ("Okta", 0.05),
    ("Jira", 0.12),
    ("BambooHR", 0.06),
    ("Gusto", 0.05),
    ("ADP", 0.09),
    ("Workday", 0.04),
    ("DocuSign", 0.1),
    ("Mailchimp", 0.15),
    ("Stripe", 0.08),
    ("Asana", 0.08),
)

_SECTOR: dict[str, tuple[tuple[str, float], ...]] = {
    "51": (
        ("AWS", 0.6),
        ("Kubernetes", 0.35),
        ("GitHub", 0.6),
        ("Datadog", 0.22),
        ("Terraform", 0.3),
        ("Snowflake", 0.1),
        ("Intercom", 0.2),
        ("Okta", 0.2),
        ("Google Cloud", 0.15),
        ("Azure", 0.15),
    ),
    "52": (
        ("Salesforce", 0.3),
        ("Microsoft Dynamics 365", 0.15),
        ("Oracle Database", 0.3),
        ("Okta", 0.2),
        ("Azure", 0.25),
        ("AWS", 0.2),
    ),
    "44-45": (("Shopify", 0.3), ("Magento 2", 0.1), ("Square", 0.2), ("Lightspeed", 0.1), ("Klaviyo", 0.15)),
    "72": (("Toast", 0.18), ("OpenTable", 0.2), ("Square", 0.2), ("Oracle Hospitality OPERA", 0.08)),
    "62": (("Epic", 0.08), ("athenahealth", 0.15), ("eClinicalWorks", 0.1), ("Kareo", 0.1)),
    "23": (("Procore", 0.14), ("Buildertrend", 0.08), ("AutoCAD", 0.5), ("Sage 300 Construction", 0.2)),
    "31-33": (
        ("SAP ECC", 0.12),
        ("Microsoft Dynamics AX", 0.08),
        ("AutoCAD", 0.3),
        ("SAP S/4HANA", 0.08),
        ("Epicor", 0.1),
        ("Siemens Opcenter", 0.04),
    ),
    "42": (("SAP Business One", 0.1), ("NetSuite", 0.15), ("Epicor", 0.1)),
    "48-49": (("Manhattan WMS", 0.06), ("Samsara", 0.1), ("Geotab", 0.1), ("Descartes", 0.05)),
    "53": (("Yardi", 0.18), ("AppFolio", 0.18), ("Buildium", 0.1)),
    "54": (("Clio", 0.06), ("Harvest", 0.1), ("Asana", 0.2), ("AWS", 0.15)),
    "61": (("Canvas", 0.2), ("Moodle", 0.2), ("Blackboard", 0.1)),
}

#: Replacement pairs: (old, new). A swap adds the new tool and removes the old one.
SWAPS: tuple[tuple[str, str], ...] = (
    ("Google Workspace", "Microsoft 365"),
    ("Microsoft 365", "Google Workspace"),
    ("Magento 2", "Shopify"),
    ("Zendesk", "Intercom"),
    ("QuickBooks", "NetSuite"),
    ("Mailchimp", "Klaviyo"),
    ("Jira", "Asana"),
    ("Xero", "NetSuite"),
    ("HubSpot", "Salesforce"),
    ("Salesforce", "HubSpot"),
    ("Zoom", "Microsoft Teams"),
    ("BambooHR", "Rippling"),
    ("WordPress", "Webflow"),
)


def base_stack(rng: random.Random, sector: str, employees: int) -> list[TechState]:
    """Current tools, each with the number of days ago it was first used."""
    size_boost = 1.0 if employees < 50 else 1.3 if employees < 1000 else 1.6
    techs: list[TechState] = []
    seen: set[str] = set()
    for name, p in (*_GENERAL, *_SECTOR.get(sector, ())):
        if name not in seen and rng.random() < min(0.95, p * size_boost):
            seen.add(name)
            techs.append(TechState(name=name, added_days=round(rng.uniform(120, 2_500), 2)))
    if rng.random() < 0.25:
        old_to_new = [s for s in SWAPS if s[0] in seen and s[1] not in seen]
        if old_to_new:
            old, new = rng.choice(old_to_new)
            removed = round(rng.uniform(15, 400), 2)
            for t in techs:
                if t.name == old:
                    t.removed_days = removed
                    t.added_days = max(t.added_days, removed + 90)
            techs.append(TechState(name=new, added_days=round(removed + rng.uniform(0, 30), 2)))
    return techs
