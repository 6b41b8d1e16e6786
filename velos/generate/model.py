"""The generative model: customers with a latent segment, and the stream of order lines.

Segments drive what a customer buys (Road vs Mountain, high-end vs budget). A customer's segment
is drawn from a softmax whose scores depend on gender, age and the profile of the home store, so
the by-gender marts and a k-means clustering both have real structure to find.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from velos.generate.catalogue import (
    FEMALE_FIRST_NAMES,
    LAST_NAMES,
    MALE_FIRST_NAMES,
    ROAD,
    Bike,
    Shop,
)

SEGMENTS: tuple[str, ...] = (
    "high_end_road",
    "high_end_mountain",
    "budget_road",
    "budget_mixed",
    "multisport",
)
N_CUSTOMERS = 3000
FIRST_ORDER_DATE = date(2011, 1, 1)
LAST_ORDER_DATE = date(2015, 12, 31)
# Ages are computed at this fixed date (never "today"), so the output does not depend on time.
AGE_REFERENCE_DATE = date(2015, 12, 31)
FIRST_SIGNUP_DATE = date(2010, 1, 1)
# Share of order lines (and so of units: the quantity does not depend on the model) whose model
# is drawn uniformly from the whole catalogue instead of from the segment's preferences. Real
# customers buy outside their segment; without this noise any clustering looks perfect.
OFF_SEGMENT_RATE = 0.25

# Segment score offsets (log-odds), in SEGMENTS order.
_BASE = (0.0, 0.0, 0.0, 0.3, -0.7)
_BY_GENDER = {"F": (0.6, -0.9, 0.8, 0.2, 0.3), "M": (0.0, 0.6, -0.4, 0.0, 0.0)}
_BY_AGE = (  # (upper age bound exclusive, offsets)
    (30, (-0.7, 0.5, -0.2, 0.9, 0.3)),
    (45, (0.3, 0.6, -0.3, 0.0, 0.5)),
    (60, (0.9, -0.1, 0.2, -0.3, -0.2)),
    (200, (0.2, -0.9, 1.1, 0.1, -0.6)),
)
_BY_PROFILE = {
    "mountain": (-0.6, 1.3, -0.6, 0.3, -0.4),
    "road": (0.7, -0.7, 0.5, 0.0, 0.0),
    "flat": (0.0, -1.0, 0.3, 0.2, 0.9),
    "mixed": (0.0, 0.0, 0.0, 0.0, 0.0),
}

# Units per line: strongly skewed to 1, like the real export.
_QUANTITY_WEIGHTS = (840, 105, 28, 12, 6, 4, 2.3, 1.8, 1.4, 1.0)
# Lines per order: several on average, a long-ish tail.
_LINES_WEIGHTS = (26, 20, 15, 11, 8, 6, 5, 4, 3, 2)
# Order volume by month (spring/summer peak) and by year (the business grows).
_MONTH_WEIGHTS = (0.55, 0.7, 0.95, 1.2, 1.25, 1.2, 1.1, 0.9, 0.85, 0.7, 0.6, 0.5)
_YEAR_WEIGHTS = {2011: 1.0, 2012: 1.12, 2013: 1.3, 2014: 1.38, 2015: 1.55}
_WEEKDAY_WEIGHTS = (0.9, 0.9, 0.95, 1.0, 1.1, 1.35, 1.2)  # Monday..Sunday


@dataclass(frozen=True)
class Customer:
    """One customer (a row of customers.csv) and its latent segment."""

    customer_id: int
    first_name: str
    last_name: str
    gender: str
    birth_date: date
    city: str
    state: str
    signup_date: date
    bikeshop_id: int
    segment: int  # index into SEGMENTS


def us_date(day: date) -> str:
    """The export's date style: M/D/YYYY without zero padding."""
    return f"{day.month}/{day.day}/{day.year}"


def _age_at(birth: date, when: date) -> int:
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _pick(rng: random.Random, cum: Sequence[float]) -> int:
    """Index drawn from cumulative weights."""
    return bisect_right(cum, rng.random() * cum[-1])


def _segment_probabilities(gender: str, age: int, profile: str) -> list[float]:
    age_offsets = next(offsets for bound, offsets in _BY_AGE if age < bound)
    scores = [
        base + by_gender + by_age + by_profile
        for base, by_gender, by_age, by_profile in zip(
            _BASE, _BY_GENDER[gender], age_offsets, _BY_PROFILE[profile], strict=True
        )
    ]
    exps = [math.exp(score) for score in scores]
    return [value / sum(exps) for value in exps]


def build_customers(rng: random.Random, shops: list[Shop]) -> list[Customer]:
    """N_CUSTOMERS customers, ids 1..n in signup order (so early ids are the oldest accounts)."""
    shop_cum = list(accumulate(shop.weight for shop in shops))
    drafts = []
    for _ in range(N_CUSTOMERS):
        shop = shops[_pick(rng, shop_cum)]
        gender = "F" if rng.random() < 0.46 else "M"
        first = rng.choice(FEMALE_FIRST_NAMES if gender == "F" else MALE_FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        # Age 18..74 at the end of 2015, most between 25 and 60.
        age = min(74, max(18, round(rng.triangular(18, 74, 40))))
        birth = date(AGE_REFERENCE_DATE.year - age, 1, 1) + timedelta(days=rng.randrange(365))
        earliest = max(FIRST_SIGNUP_DATE, _add_years(birth, 18))
        # 40 % signed up in 2010: a customer base already exists when the orders start.
        latest = date(2010, 12, 31) if rng.random() < 0.4 else date(2015, 10, 31)
        latest = max(latest, earliest)
        signup = earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))
        probs = _segment_probabilities(gender, _age_at(birth, AGE_REFERENCE_DATE), shop.profile)
        segment = _pick(rng, list(accumulate(probs)))
        drafts.append((signup, first, last, gender, birth, shop, segment))
    # Stable sort on the signup date only: ties keep their draw order, so this is deterministic.
    drafts.sort(key=lambda draft: draft[0])
    return [
        Customer(
            i, first, last, gender, birth, shop.city, shop.state, signup, shop.bikeshop_id, seg
        )
        for i, (signup, first, last, gender, birth, shop, seg) in enumerate(drafts, start=1)
    ]


def _bike_weight(segment: str, bike: Bike) -> float:
    """How much a segment likes a model: category fit times price fit, never exactly zero."""
    log_price = math.log(bike.price)
    road = bike.category1 == ROAD
    if segment == "high_end_road":
        fit = (1.0 if road else 0.04) * math.exp(-((log_price - math.log(7000)) ** 2) / 0.3)
        fit *= 0.4 if bike.category2 in ("Triathalon", "Cyclocross") else 1.0
    elif segment == "high_end_mountain":
        fit = (1.0 if not road else 0.04) * math.exp(-((log_price - math.log(6500)) ** 2) / 0.3)
    elif segment == "budget_road":
        fit = (1.0 if road else 0.08) * math.exp(-((log_price - math.log(1100)) ** 2) / 0.3)
    elif segment == "budget_mixed":
        fit = math.exp(-((log_price - math.log(1000)) ** 2) / 0.35)
    else:  # multisport: triathlon and cyclocross, some fat bikes, mid to high prices
        wanted = {"Triathalon": 1.0, "Cyclocross": 1.0, "Fat Bike": 0.6}
        fit = wanted.get(bike.category2, 0.05) * math.exp(
            -((log_price - math.log(3500)) ** 2) / 0.8
        )
    return fit + 0.002


def order_days() -> list[date]:
    """Every calendar day on which orders can fall."""
    count = (LAST_ORDER_DATE - FIRST_ORDER_DATE).days + 1
    return [FIRST_ORDER_DATE + timedelta(days=i) for i in range(count)]


def iter_order_lines(
    rng: random.Random,
    n_lines: int,
    customers: list[Customer],
    bikes: list[Bike],
    off_segment_rate: float = OFF_SEGMENT_RATE,
) -> Iterator[tuple[int, int, str, int, int, int]]:
    """Yield exactly ``n_lines`` (order_id, order_line, date, customer_id, product_id, quantity).

    Each line's model comes from the customer's segment preferences, except for a share
    ``off_segment_rate`` of lines, whose model is any of the catalogue with equal chance.

    Orders come in date order. The day of an order is placed by the share of lines already
    emitted, against the cumulative seasonal weight of the days, so the volume per day follows
    the seasonality at any scale and the count of lines is exact. Nothing is kept in memory but
    the fixed-size lookup tables.
    """
    days = order_days()
    day_labels = [us_date(day) for day in days]
    day_cum = list(
        accumulate(
            _MONTH_WEIGHTS[day.month - 1]
            * _YEAR_WEIGHTS[day.year]
            * _WEEKDAY_WEIGHTS[day.weekday()]
            for day in days
        )
    )
    # Customers are sorted by signup: the ones who can order on a day are ids 1..eligible[day].
    signups = [customer.signup_date for customer in customers]
    eligible = [max(1, bisect_right(signups, day)) for day in days]
    segment_of = [0] + [customer.segment for customer in customers]
    bike_ids = [bike.bike_id for bike in bikes]
    segment_cum = [
        list(accumulate(_bike_weight(segment, bike) for bike in bikes)) for segment in SEGMENTS
    ]
    quantity_cum = list(accumulate(_QUANTITY_WEIGHTS))
    lines_cum = list(accumulate(_LINES_WEIGHTS))
    total_weight = day_cum[-1]
    random_ = rng.random
    n_bikes = len(bikes)

    def draw_model(cum: list[float]) -> int:
        if random_() < off_segment_rate:
            return int(random_() * n_bikes)
        return bisect_right(cum, random_() * cum[-1])

    emitted = 0
    order_id = 0
    day = 0
    while emitted < n_lines:
        order_id += 1
        size = min(bisect_right(lines_cum, random_() * lines_cum[-1]) + 1, n_lines - emitted)
        day = bisect_left(day_cum, (emitted + 0.5) / n_lines * total_weight, lo=day)
        label = day_labels[day]
        customer_id = 1 + int(random_() * eligible[day])
        cum = segment_cum[segment_of[customer_id]]
        taken: set[int] = set()
        for line in range(1, size + 1):
            index = draw_model(cum)
            while index in taken:  # distinct models within an order
                index = draw_model(cum)
            taken.add(index)
            quantity = bisect_right(quantity_cum, random_() * quantity_cum[-1]) + 1
            yield order_id, line, label, customer_id, bike_ids[index], quantity
        emitted += size
