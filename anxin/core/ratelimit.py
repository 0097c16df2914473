"""A per-address limit for the public pages and forms that need no login (issue 13): tracking and rating links,
FAQ votes. Over the limit the page answers 429 with Retry-After; counts are shared by every worker (database rows)."""

from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.shortcuts import render

from anxin.core import throttle_services as throttle
from anxin.core.http import client_ip


def public_rate_limit(scope: str):
    """At most PUBLIC_REQUESTS_PER_ADDRESS_HOUR requests an hour from one address to the views of `scope`."""

    def decorate(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            wait = throttle.hit(f"public_{scope}", client_ip(request) or "-",
                                limit=settings.PUBLIC_REQUESTS_PER_ADDRESS_HOUR, window=timedelta(hours=1))
            if wait is not None:
                response = render(request, "throttled.html", {"minutes": max(1, -(-wait // 60))}, status=429)
                response["Retry-After"] = str(wait)
                return response
            return view(request, *args, **kwargs)

        return limited

    return decorate
