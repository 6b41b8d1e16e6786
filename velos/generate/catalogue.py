"""Fixed reference data of the demo export: the bike catalogue, the stores and the name lists.

Everything here is invented for velos (model names, store names) except the city coordinates,
which are the real coordinates of those US cities. None of it is seed-dependent: the seed only
changes the customers and the orders.
"""

from __future__ import annotations

from dataclasses import dataclass

ROAD = "Road"
MOUNTAIN = "Mountain"


@dataclass(frozen=True)
class Bike:
    """One catalogue model (a row of bikes.csv)."""

    bike_id: int
    model: str
    category1: str
    category2: str
    frame: str
    price: int


@dataclass(frozen=True)
class Shop:
    """One store (a row of bikeshops.csv) plus the profile that biases its customers."""

    bikeshop_id: int
    name: str
    city: str
    state: str
    latitude: str
    longitude: str
    profile: str  # mountain | road | flat | mixed: drives the segment mix of its customers
    weight: int  # relative number of customers


# (series, category1, category2, frame, top price, bottom price, number of trims).
# category2 values and frames are those of the client's real export (its "Triathalon" spelling
# included); the series names and prices are velos's own.
_SERIES: tuple[tuple[str, str, str, str, int, int, int], ...] = (
    ("Aerolite SLX", ROAD, "Elite Road", "Carbon", 12990, 5290, 5),
    ("Veloce Race", ROAD, "Elite Road", "Carbon", 9490, 4190, 4),
    ("Strada Alloy", ROAD, "Elite Road", "Aluminum", 3190, 990, 5),
    ("Corsa Tempo", ROAD, "Elite Road", "Aluminum", 2290, 790, 5),
    ("Gran Fondo", ROAD, "Endurance Road", "Carbon", 8990, 2790, 5),
    ("Longitude", ROAD, "Endurance Road", "Carbon", 5490, 2290, 4),
    ("Meridian", ROAD, "Endurance Road", "Aluminum", 1990, 590, 5),
    ("Ironstride TT", ROAD, "Triathalon", "Carbon", 10490, 2590, 5),
    ("Mudline CX", ROAD, "Cyclocross", "Carbon", 4690, 1890, 4),
    ("Gravelo", ROAD, "Cyclocross", "Aluminum", 1690, 890, 3),
    ("Ridgeback XC", MOUNTAIN, "Cross Country Race", "Carbon", 11990, 4990, 5),
    ("Summit Sprint", MOUNTAIN, "Cross Country Race", "Carbon", 7490, 3290, 5),
    ("Pinecone 29", MOUNTAIN, "Cross Country Race", "Carbon", 4990, 2490, 4),
    ("Trailhead Alloy", MOUNTAIN, "Cross Country Race", "Aluminum", 2690, 890, 5),
    ("Granite Enduro", MOUNTAIN, "Over Mountain", "Carbon", 9990, 3990, 5),
    ("Crestline", MOUNTAIN, "Over Mountain", "Carbon", 6290, 3190, 4),
    ("Switchback", MOUNTAIN, "Trail", "Carbon", 6990, 2990, 5),
    ("Foothill", MOUNTAIN, "Trail", "Aluminum", 3490, 1290, 5),
    ("Canyon Run", MOUNTAIN, "Trail", "Aluminum", 2390, 1090, 4),
    ("Weekender", MOUNTAIN, "Sport", "Aluminum", 1490, 590, 5),
    ("Park Loop", MOUNTAIN, "Sport", "Aluminum", 990, 410, 5),
    ("Snowdrift", MOUNTAIN, "Fat Bike", "Aluminum", 2590, 1490, 3),
)

_TRIMS: dict[int, tuple[str, ...]] = {
    3: ("Pro", "Comp", "Sport"),
    4: ("Pro", "Expert", "Comp", "Sport"),
    5: ("Ultimate", "Pro", "Expert", "Comp", "Sport"),
}


def _price_ladder(top: int, bottom: int, count: int) -> list[int]:
    """Geometric steps from top to bottom, rounded to a shop price ending in 90 (or 10)."""
    ratio = (bottom / top) ** (1 / (count - 1))
    prices = []
    for step in range(count):
        raw = top * ratio**step
        prices.append(max(410, round(raw / 100) * 100 - 10))
    return prices


def build_bikes() -> list[Bike]:
    """The ~100-model catalogue, ids 1..n in catalogue order."""
    bikes: list[Bike] = []
    for series, cat1, cat2, frame, top, bottom, count in _SERIES:
        for trim, price in zip(_TRIMS[count], _price_ladder(top, bottom, count), strict=True):
            bikes.append(Bike(len(bikes) + 1, f"{series} {trim}", cat1, cat2, frame, price))
    return bikes


# Real US cities (contiguous states only) with their real coordinates; invented store names.
_SHOPS: tuple[tuple[str, str, str, str, str, str, int], ...] = (
    ("Back Bay Cycle Works", "Boston", "MA", "42.360082", "-71.058880", "road", 3),
    ("Lakefront Pedal Co.", "Chicago", "IL", "41.878114", "-87.629798", "road", 3),
    ("Flatirons Velo", "Boulder", "CO", "40.014986", "-105.270546", "mountain", 2),
    ("Wasatch Bike Shop", "Salt Lake City", "UT", "40.760779", "-111.891047", "mountain", 2),
    ("Peachtree Cyclery", "Atlanta", "GA", "33.748995", "-84.387982", "mixed", 3),
    ("Queen City Spokes", "Charlotte", "NC", "35.227087", "-80.843127", "road", 2),
    ("Triangle Cycle Works", "Raleigh", "NC", "35.779590", "-78.638179", "road", 2),
    ("James River Bicycles", "Richmond", "VA", "37.540725", "-77.436048", "road", 1),
    ("Harbor Velo", "Baltimore", "MD", "39.290385", "-76.612189", "road", 2),
    ("Green Mountain Cyclery", "Burlington", "VT", "44.475882", "-73.212072", "mountain", 1),
    ("Casco Bay Bicycles", "Portland", "ME", "43.661471", "-70.255326", "mixed", 1),
    ("Isthmus Pedal Co.", "Madison", "WI", "43.073052", "-89.401230", "road", 2),
    ("Brew City Cycles", "Milwaukee", "WI", "43.038902", "-87.906474", "mixed", 2),
    ("Gateway Bike Shop", "St. Louis", "MO", "38.627003", "-90.199404", "mixed", 2),
    ("Platte River Cycles", "Omaha", "NE", "41.256537", "-95.934503", "flat", 1),
    ("Foothills Velo", "Boise", "ID", "43.615019", "-116.202314", "mountain", 1),
    ("Inland Empire Cyclery", "Spokane", "WA", "47.658780", "-117.426047", "mountain", 1),
    ("Capitol Cycle Works", "Sacramento", "CA", "38.581572", "-121.494400", "road", 2),
    ("Pacific Coast Bicycles", "San Diego", "CA", "32.715738", "-117.161084", "flat", 3),
    ("Saguaro Cycles", "Tucson", "AZ", "32.222607", "-110.974711", "flat", 2),
    ("Sangre de Cristo Bikes", "Santa Fe", "NM", "35.686975", "-105.937799", "mountain", 1),
    ("Bayou City Cyclery", "Houston", "TX", "29.760427", "-95.369803", "flat", 3),
    ("Beale Street Bicycles", "Memphis", "TN", "35.149534", "-90.048980", "flat", 1),
    ("Magic City Cycles", "Birmingham", "AL", "33.518589", "-86.810356", "mixed", 1),
    ("Lake Eola Bike Shop", "Orlando", "FL", "28.538335", "-81.379237", "flat", 2),
    ("Blue Ridge Velo", "Asheville", "NC", "35.595058", "-82.551487", "mountain", 1),
    ("High Desert Cyclery", "Bend", "OR", "44.058173", "-121.315310", "mountain", 1),
    ("Clark Fork Cycles", "Missoula", "MT", "46.878718", "-113.996586", "mountain", 1),
    ("Animas Bike Shop", "Durango", "CO", "37.275280", "-107.880067", "mountain", 1),
    ("Ponderosa Pedal Co.", "Flagstaff", "AZ", "35.198284", "-111.651302", "mountain", 1),
)


def build_shops() -> list[Shop]:
    """The 30 stores, ids 1..30."""
    return [Shop(i, *fields) for i, fields in enumerate(_SHOPS, start=1)]


# Small name lists; a few French names carry accents to exercise UTF-8 end to end.
FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Mary", "Jennifer", "Linda", "Patricia", "Elizabeth", "Susan", "Jessica", "Sarah", "Karen",
    "Nancy", "Emily", "Megan", "Laura", "Rachel", "Anna", "Grace", "Olivia", "Sophia", "Emma",
    "Maria", "Ana", "Keiko", "Priya", "Séverine", "Hélène", "Chloé", "Amélie", "Zoé",
)  # fmt: skip
MALE_FIRST_NAMES: tuple[str, ...] = (
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
    "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Kevin", "Brian", "Jason", "Ryan", "Eric",
    "Carlos", "Luis", "Hiroshi", "Raj", "Jérôme", "François", "Loïc", "Mathéo", "Rémi",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore",
    "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
    "Young", "Allen", "King", "Wright", "Scott", "Nguyen", "Hill", "Green", "Baker", "Nelson",
    "Carter", "Mitchell", "Roberts", "Campbell", "Tanaka", "Patel", "Kim", "Chen", "Schmidt",
    "Lefèvre", "Béranger", "Dubois", "Moreau", "Gagné",
)  # fmt: skip
