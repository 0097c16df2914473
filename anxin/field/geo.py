"""Travel between two places for dispatching: a local flat projection of WGS-84 and city-street (Manhattan)
distance at a set speed. Without coordinates a default travel time is assumed (and said so)."""

import math
from decimal import Decimal

from django.conf import settings

KM_PER_DEG_LAT = 110.57


def to_km(lat: Decimal | float, lng: Decimal | float, origin: tuple[float, float]) -> tuple[float, float]:
    lat0, lng0 = origin
    return ((float(lng) - lng0) * 111.32 * math.cos(math.radians(lat0)), (float(lat) - lat0) * KM_PER_DEG_LAT)


def distance_km(a: tuple | None, b: tuple | None) -> float | None:
    if not a or not b or None in a or None in b:
        return None
    origin = (float(a[0]), float(a[1]))
    ax, ay = to_km(a[0], a[1], origin)
    bx, by = to_km(b[0], b[1], origin)
    return abs(ax - bx) + abs(ay - by)


def travel_minutes(a: tuple | None, b: tuple | None) -> int:
    km = distance_km(a, b)
    if km is None:
        return settings.FIELD_DEFAULT_TRAVEL_MINUTES
    return math.ceil(round(km * 60 / settings.FIELD_SPEED_KMH, 6))
