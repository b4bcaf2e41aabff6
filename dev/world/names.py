"""Fictional company and person names, with a collision-free domain for every generated company.

Generated company ``j`` maps through an affine bijection onto (prefix, root, form), so every domain
is unique without remembering the ones already used (constant memory at any world size).
"""

from __future__ import annotations

import random

from dev.world.words import words

PREFIXES = words(
    """acorn alder alpine amber anchor apex arbor arrow aspen atlas aurora badger basalt beacon birch
    blackwater bluebell bold boulder bramble brass bright brook cairn canyon cardinal cedar cinder clear
    clover cobalt comet copper coral crane crimson crystal cypress delta drift eagle echo elm ember
    emerald falcon fern flint forge fox frost garnet glacier golden granite green harbor hawk hazel
    heather holly horizon indigo iron ivory jade juniper kestrel lake lantern larch laurel linden lion
    lotus lumen maple marble meadow mill mint moss north oak ocean olive onyx orchard osprey otter palm
    pebble pine pioneer plum polar prairie quarry quartz rain raven red reed river robin rose ruby rust
    sable saffron sage salt sand sapphire scarlet sierra silver sky slate solar sparrow spruce star
    steel storm summit sun swift teal thistle thunder tide timber true tulip velvet violet walnut west
    willow wind winter wolf wren yew zephyr bison cobble dawn dusk hollow kite lynx magpie nimbus orbit
    pike quill rowan sorrel tansy umber vesper whit"""
)

ROOTS = words(
    """bridge brook by crest dale field ford gate hill hurst land ley line mark mont moor point port ridge
    run shire side stone ton vale view ville way well wood wave path peak reach rock shore spring stream
    axis base beam bell bend bloom bolt bound cast cell core cove craft cross dock dome dune edge fall
    fen fin flow fold fort frame gale glen grid guard hall haven helm hive holm hook horn hub keel key
    knot lark leaf light link lock loft loom mast mere mile mine nest north note ore pass pier pine pond
    post quay rail range ray rig ring root rose row sail scape seed shade shelf ship shoal sign slope
    spark spire spur stack stead step stile strand sway tail tarn tower track trail tree vault vine wall
    ward watch wharf wick wind wing yard yoke arch bay belt cairn chord dyke fields flare forges glade
    grove heath"""
)

#: (leading word, trailing word) of a domain form. Leading/trailing words never end/begin a root or prefix.
DOMAIN_FORMS = tuple(
    (lead, trail)
    for lead in ("", "get", "the", "go")
    for trail in (
        "",
        "hq",
        "group",
        "co",
        "global",
        "labs",
        "works",
        "systems",
        "inc",
        "partners",
        "solutions",
        "tech",
    )
)

NAME_SPACE = len(PREFIXES) * len(ROOTS) * len(DOMAIN_FORMS)
_MULTIPLIER = 7_919_111  # coprime with NAME_SPACE (checked at import below)
_OFFSET = 104_729


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


if _gcd(_MULTIPLIER, NAME_SPACE) != 1:  # pragma: no cover - guards edits to the word lists
    raise RuntimeError("name space multiplier must be coprime with the name space size")

SECTOR_WORDS: dict[str, tuple[str, ...]] = {
    "11": ("Farms", "Growers", "Agri", "Orchards"),
    "21": ("Resources", "Minerals", "Energy"),
    "22": ("Energy", "Power", "Utilities", "Water"),
    "23": ("Builders", "Construction", "Contracting", "Homes"),
    "31-33": ("Manufacturing", "Industries", "Products", "Foods", "Components", "Plastics", "Labs"),
    "42": ("Distribution", "Supply", "Trading", "Wholesale"),
    "44-45": ("Stores", "Market", "Outfitters", "Goods", "Retail"),
    "48-49": ("Logistics", "Freight", "Transport", "Couriers"),
    "51": ("Software", "Digital", "Media", "Cloud", "Data"),
    "52": ("Capital", "Financial", "Insurance", "Bank", "Lending"),
    "53": ("Properties", "Realty", "Estates", "Living"),
    "54": ("Consulting", "Partners", "Advisory", "Engineering", "Design", "Legal"),
    "55": ("Holdings", "Group"),
    "56": ("Services", "Staffing", "Facilities", "Cleaning"),
    "61": ("Academy", "Learning", "College", "School"),
    "62": ("Health", "Clinic", "Care", "Medical", "Dental"),
    "71": ("Studios", "Fitness", "Entertainment", "Club"),
    "72": ("Kitchen", "Hospitality", "Hotels", "Eatery", "Bistro"),
    "81": ("Services", "Repair", "Auto", "Salon"),
}

FIRST_NAMES = words(
    """Aaliyah Aarav Abebe Ada Adrian Aiko Alejandro Alina Amara Amir Ana Anders Anika Ansel Arjun Astrid
    Aylin Beatriz Benedikt Bianca Bjorn Camila Carmen Chen Chiara Chloe Colm Dalia Damian Daniela Darius
    Dev Diego Dmitri Elif Elena Elias Emeka Emil Esme Ethan Farah Felix Fiona Florian Freya Gabriel
    Greta Hana Hannah Hector Ines Ingrid Isaac Isla Ivan Jamal Jana Javier Jin Joao Jonas Julia Kai
    Kamal Karin Keanu Kenji Khadija Laila Lars Lea Leon Liam Lina Lorenzo Luca Lucia Maeve Malik Maren
    Mateo Maya Mei Mila Milan Nadia Naveen Nia Nikolai Noah Noor Olga Omar Oskar Paloma Pavel Priya
    Rafael Rania Ravi Rhea Rosa Rui Sakura Samir Sana Sebastian Selin Sofia Soren Tariq Thea Tomas Uma
    Valentina Viktor Wei Yara Yusuf Zara Zoe"""
)

LAST_NAMES = words(
    """Abara Achterberg Adeyemi Albescu Almeida Andersson Aranda Asante Bakker Balogun Bergstrom Bianchi
    Blom Bogdan Brennan Calloway Carvalho Castell Chandra Chowdhury Cieslak Dahlgren Delacroix Demir
    Dorsey Duarte Eklund Esposito Falkner Farouk Ferraro Fitzgerald Fonseca Galloway Garrido Gatti
    Gruber Haddad Halvorsen Hartmann Hayashi Heikkinen Holloway Ibarra Ishikawa Iversen Jablonski Jansen
    Kaczmarek Kamara Kapoor Keller Kowalczyk Kristiansen Lambrecht Larkin Lindqvist Lombardi Lorenz
    Madsen Marchetti Mbeki Mendoza Moreau Morrow Nakamura Navarro Nilsen Novak Nwosu Okafor Olander
    Ortega Ostrowski Pacheco Palmer Pereira Petrov Quintero Radford Ramires Rasmussen Reyes Ricci
    Rinaldi Rossi Sandoval Santoro Schreiber Serrano Shah Silva Sorensen Stavros Sundberg Takahashi
    Tanaka Thorne Toivonen Valdez Vance Varga Vasquez Verhoeven Virtanen Wainwright Weber Whitlock
    Wojcik Yilmaz Zamora Zeller Zielinski"""
)

PERSONAL_EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "gmx.de")


def name_parts(j: int) -> tuple[str, str, tuple[str, str]]:
    """Prefix, root and domain form of generated company ``j`` (a bijection over the name space)."""
    k = (_MULTIPLIER * j + _OFFSET) % NAME_SPACE
    k, form = divmod(k, len(DOMAIN_FORMS))
    prefix, root = divmod(k, len(ROOTS))
    return PREFIXES[prefix], ROOTS[root], DOMAIN_FORMS[form]


def company_name(rng: random.Random, prefix: str, root: str, sector: str) -> str:
    base = (
        f"{prefix.capitalize()}{root}" if rng.random() < 0.7 else f"{prefix.capitalize()} {root.capitalize()}"
    )
    words = SECTOR_WORDS.get(sector, ("Group",))
    roll = rng.random()
    if roll < 0.6:
        return f"{base} {rng.choice(words)}"
    if roll < 0.75:
        return f"{base} {rng.choice(('Inc', 'Ltd', 'GmbH', 'LLC', '& Co', 'Group'))}"
    return base


def domain_label(prefix: str, root: str, form: tuple[str, str]) -> str:
    lead, trail = form
    return f"{lead}{prefix}{root}{trail}"


def person_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
