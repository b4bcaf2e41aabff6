"""Countries (ISO 3166 alpha-2), their weights in the generated population, cities and web domains."""

from __future__ import annotations

from dev.world.words import words

#: code: (name, weight, top-level domains, cities)
COUNTRIES: dict[str, tuple[str, float, tuple[str, ...], tuple[str, ...]]] = {
    "US": (
        "United States",
        44.0,
        ("com", "com", "com", "io", "co", "net"),
        (
            "New York",
            "Austin",
            "Chicago",
            "Denver",
            "Atlanta",
            "Seattle",
            "Boston",
            "Columbus",
            "Phoenix",
            "San Diego",
            "Nashville",
            "Minneapolis",
            "Raleigh",
            "Salt Lake City",
            "Pittsburgh",
            "Tampa",
        ),
    ),
    "GB": (
        "United Kingdom",
        8.0,
        ("co.uk", "co.uk", "com", "io"),
        ("London", "Manchester", "Leeds", "Bristol", "Glasgow", "Birmingham", "Cambridge", "Edinburgh"),
    ),
    "DE": (
        "Germany",
        7.0,
        ("de", "de", "com"),
        ("Berlin", "Munich", "Hamburg", "Cologne", "Stuttgart", "Leipzig", "Frankfurt", "Dusseldorf"),
    ),
    "CA": (
        "Canada",
        5.0,
        ("ca", "com"),
        ("Toronto", "Vancouver", "Montreal", "Calgary", "Ottawa", "Waterloo"),
    ),
    "FR": ("France", 4.0, ("fr", "fr", "com"), ("Paris", "Lyon", "Toulouse", "Nantes", "Lille", "Bordeaux")),
    "IN": (
        "India",
        4.0,
        ("in", "com", "io"),
        ("Bengaluru", "Pune", "Hyderabad", "Chennai", "Mumbai", "Delhi"),
    ),
    "AU": ("Australia", 3.0, ("com.au", "com.au", "com"), ("Sydney", "Melbourne", "Brisbane", "Perth")),
    "NL": ("Netherlands", 3.0, ("nl", "com", "io"), ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven")),
    "ES": ("Spain", 2.2, ("es", "com"), ("Madrid", "Barcelona", "Valencia", "Seville", "Malaga")),
    "IT": ("Italy", 2.2, ("it", "com"), ("Milan", "Rome", "Turin", "Bologna", "Florence")),
    "SE": ("Sweden", 1.8, ("se", "com", "io"), ("Stockholm", "Gothenburg", "Malmo", "Uppsala")),
    "IE": ("Ireland", 1.5, ("ie", "com", "io"), ("Dublin", "Cork", "Galway")),
    "CH": ("Switzerland", 1.5, ("ch", "com"), ("Zurich", "Geneva", "Basel", "Lausanne")),
    "PL": ("Poland", 1.5, ("pl", "com"), ("Warsaw", "Krakow", "Wroclaw", "Gdansk")),
    "BR": ("Brazil", 1.5, ("com.br", "com"), ("Sao Paulo", "Rio de Janeiro", "Curitiba", "Belo Horizonte")),
    "SG": ("Singapore", 1.2, ("sg", "com", "io"), ("Singapore",)),
    "AT": ("Austria", 1.0, ("at", "com"), ("Vienna", "Graz", "Linz")),
    "BE": ("Belgium", 1.0, ("be", "com"), ("Brussels", "Antwerp", "Ghent")),
    "DK": ("Denmark", 0.9, ("dk", "com"), ("Copenhagen", "Aarhus")),
    "NO": ("Norway", 0.8, ("no", "com"), ("Oslo", "Bergen")),
    "FI": ("Finland", 0.8, ("fi", "com"), ("Helsinki", "Tampere", "Espoo")),
    "PT": ("Portugal", 0.8, ("pt", "com"), ("Lisbon", "Porto")),
    "MX": ("Mexico", 1.0, ("com.mx", "com"), ("Mexico City", "Monterrey", "Guadalajara")),
    "JP": ("Japan", 1.2, ("jp", "co.jp", "com"), ("Tokyo", "Osaka", "Nagoya", "Fukuoka")),
    "IL": ("Israel", 0.8, ("co.il", "com", "io"), ("Tel Aviv", "Haifa", "Jerusalem")),
    "AE": ("United Arab Emirates", 0.6, ("ae", "com"), ("Dubai", "Abu Dhabi")),
    "ZA": ("South Africa", 0.6, ("co.za", "com"), ("Johannesburg", "Cape Town", "Durban")),
    "NZ": ("New Zealand", 0.5, ("co.nz", "com"), ("Auckland", "Wellington", "Christchurch")),
}

COUNTRY_CODES = tuple(COUNTRIES)
COUNTRY_CUM_WEIGHTS: list[float] = []
_total = 0.0
for _code in COUNTRY_CODES:
    _total += COUNTRIES[_code][1]
    COUNTRY_CUM_WEIGHTS.append(_total)

EUROPE = ("GB", "DE", "FR", "NL", "ES", "IT", "SE", "IE", "CH", "PL", "AT", "BE", "DK", "NO", "FI", "PT")
DACH = ("DE", "AT", "CH")
NORTH_AMERICA = ("US", "CA")

#: Names of countries and US states as they appear in the seed data, mapped to ISO codes.
_EXTRA_NAMES = {
    "USA": "US",
    "U.S.": "US",
    "England": "GB",
    "Scotland": "GB",
    "UK": "GB",
    "Luxembourg": "LU",
    "Bermuda": "BM",
    "Puerto Rico": "US",
    "D.C.": "US",
    "Korea": "KR",
    "South Korea": "KR",
    "China": "CN",
    "Hong Kong": "HK",
    "Russia": "RU",
    "Jersey": "JE",
    "Taiwan": "TW",
    "Greece": "GR",
    "Czech Republic": "CZ",
}
_MULTI_WORD_STATES = (
    "New Hampshire",
    "New Jersey",
    "New Mexico",
    "New York",
    "North Carolina",
    "North Dakota",
    "Rhode Island",
    "South Carolina",
    "South Dakota",
    "West Virginia",
)
US_STATES = frozenset(
    (
        *words(
            """Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii
            Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan
            Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon Pennsylvania Tennessee
            Texas Utah Vermont Virginia Washington Wisconsin Wyoming"""
        ),
        *_MULTI_WORD_STATES,
    )
)


def country_from_text(text: str | None) -> str | None:
    """ISO code for a seed's free-text location such as "Germany" or "Houston, Texas"."""
    if not text:
        return None
    by_name = {name: code for code, (name, *_rest) in COUNTRIES.items()}
    for part in reversed([p.strip() for p in text.replace(";", ",").split(",")]):
        if part in by_name:
            return by_name[part]
        if part in _EXTRA_NAMES:
            return _EXTRA_NAMES[part]
        if part in US_STATES:
            return "US"
    return None


def city_from_text(text: str | None) -> str | None:
    if not text or "," not in text:
        return None
    return text.split(",")[0].strip() or None
