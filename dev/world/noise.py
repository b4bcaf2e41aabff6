"""Evidence that is not about needs: everyday company news, hiring, stage and switching lines,
resolutions, vendor chatter, lazy boilerplate, spam, and near-duplicate mutations."""

from __future__ import annotations

import random

GENERIC: dict[str, tuple[str, ...]] = {
    "news": (
        "{name} appoints {person} as Chief Operating Officer.",
        "{name} opens a new office in {city}.",
        "{name} celebrates {n} years in business with a customer event in {city}.",
        "{name} announces a partnership with a regional university in {city}.",
        "{name} reports revenue growth of {pct}% for {year}.",
        "{name} wins a regional business excellence award.",
        "{name} relocates its headquarters to a larger site in {city}.",
        "{name} named one of the best places to work in {city}.",
        "{name} welcomes {person} to its board of directors.",
        "{name} donates to a food bank in {city} as part of its community program.",
    ),
    "social": (
        "Great team offsite with the {name} crew in {city} this week!",
        "Proud of our team at {name} for hitting a big milestone this {q}.",
        "At the trade show in {city} this week, come say hi to the {name} team at booth {big}.",
        "Happy {n}th birthday to {name}! Thanks to all our customers.",
        "Welcome {person}, the newest member of the {name} family.",
    ),
    "web": (
        "{name} news: we have updated our opening hours and contact details.",
        "About {name}: our mission is to serve customers in {city} and beyond with care and quality.",
        "{name} blog: five lessons from {n} years of running our business.",
        "{name} announces its holiday schedule; offices closed on public holidays.",
    ),
    "review": (
        "Good place to work at {name}, friendly colleagues, pay could be better.",
        "{name} offers flexible hours and a supportive manager; career growth is limited.",
        "Solid company, {name} treats its staff fairly.",
        "Busy but rewarding. {name} management is approachable.",
    ),
}

HIRING = (
    "{name} is hiring {n} {job}s in {city}.",
    "Join {name} as a {job} in {city}; full-time, competitive pay.",
    "{name} careers: {n} openings for {job}s after a strong {q}.",
)

JOBS: dict[str, tuple[str, ...]] = {
    "51": ("Software Engineer", "Product Manager", "Account Executive", "Customer Success Manager"),
    "52": ("Financial Analyst", "Relationship Manager", "Compliance Officer", "Underwriter"),
    "54": ("Consultant", "Project Manager", "Engineer", "Associate"),
    "62": ("Registered Nurse", "Medical Assistant", "Receptionist", "Physiotherapist"),
    "72": ("Line Cook", "Server", "Front Desk Agent", "Shift Supervisor"),
    "23": ("Electrician", "Site Supervisor", "Estimator", "Carpenter"),
    "31-33": ("Machine Operator", "Process Engineer", "Production Supervisor", "Maintenance Technician"),
    "44-45": ("Store Associate", "Store Manager", "Merchandiser", "Cashier"),
    "48-49": ("Truck Driver", "Dispatcher", "Logistics Coordinator", "Forklift Operator"),
}
DEFAULT_JOBS = ("Sales Representative", "Account Manager", "Operations Associate", "Office Administrator")

STAGE_LINES: dict[str, tuple[tuple[str, str], ...]] = {
    "researching": (
        ("social", "Anyone have experience dealing with {phrase}? Asking for our team at {name}."),
        ("web", "{name} team notes: we are researching options to deal with {phrase}."),
    ),
    "evaluating": (
        ("news", "{name} has shortlisted suppliers to tackle {phrase}, according to a procurement notice."),
        ("web", "Procurement notice: {name} invites proposals addressing {phrase}. Deadline end of {q}."),
        ("social", "Sat through {n} demos this week at {name}. Every one promised to fix {phrase}."),
    ),
    "purchasing": (
        ("news", "{name} approved budget this quarter for a project addressing {phrase}."),
        ("job_post", "{name} is hiring a Project Manager to lead the rollout of a new approach to {phrase}."),
    ),
}

SWITCHING = (
    (
        "social",
        "Our {incumbent} contract at {name} renews in {months} months and honestly we are looking around.",
    ),
    ("review", "Team at {name} is frustrated with {incumbent}; leadership is evaluating alternatives."),
    ("job_post", "{name} seeks an administrator to help migrate away from {incumbent}."),
)

RESOLUTION = (
    ("news", "{name} completed the rollout of {solution}, putting an end to {phrase}."),
    ("web", "Case study: how {name} dealt with {phrase} using {solution}."),
    ("social", "Six months on {solution} at {name} and {phrase} is finally behind us."),
)

VENDOR_EXTRA = (
    ("job_post", "{name} is hiring Account Executives to grow its customer base in {city}."),
    ("review", "Review of {name}: easy to set up, support was responsive. Rated 4.5 out of 5."),
    ("social", "Come see {name} at the industry expo in {city}, live demos all day!"),
)

BOILERPLATE = (
    "{name} is a leading provider of innovative solutions. Contact us today for more information.",
    "{name} - company profile, contact information, employees and more.",
    "Learn more about {name} in our business directory. Updated regularly.",
)

OFF_TOPIC = (
    "Best cheap sunglasses online!!! Visit now for a 90% discount",
    "Win a free phone today, click the link and claim your prize",
    "Crypto signals group: 10x guaranteed returns, join now",
    "Lose weight fast with this one simple trick doctors hate",
    "Hot singles in your area want to meet you",
)

STUFFING = "{name} {a} {b} {c} best leads top buyer ready now {a} {b} verified intent {c} {a}"

_SYNONYMS = (
    ("hiring", "recruiting"),
    ("company", "firm"),
    ("says", "said"),
    ("new", "fresh"),
    ("customers", "clients"),
    ("staff", "employees"),
    ("week", "week or so"),
    ("team", "group"),
)


def near_duplicate(rng: random.Random, text: str) -> str:
    """A lazy miner's copy: small edits that keep it recognisably the same snippet."""
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(("Update: ", "Reposted: ", "ICYMI: ", "Via newsletter: ")) + text
    if roll < 0.5:
        for old, new in _SYNONYMS:
            if f" {old} " in text:
                return text.replace(f" {old} ", f" {new} ", 1)
        return text + " (source: industry newsletter)"
    if roll < 0.7 and text.count(". ") >= 1:
        return text.rsplit(". ", 1)[0] + "."
    if roll < 0.85:
        return text.rstrip(".!") + " ..."
    return text.replace(",", "").replace("  ", " ")
