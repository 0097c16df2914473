class SecurityHeadersMiddleware:
    """CSP without inline script (SECURITY-CASES 6): all JS comes from /static/."""

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # every page, /api/docs too: swagger-ui is served from django-ninja's installed files, no inline script
        response.setdefault("Content-Security-Policy", self.POLICY)
        return response


class ChineseFirstLocaleMiddleware:
    """Pages are Simplified Chinese unless the user picked another language with the switch (cookie).

    A browser's Accept-Language is not a choice (office PCs often run English systems), so pages ignore
    it; API clients may still ask for a language with Accept-Language.
    """

    def __init__(self, get_response):
        from django.middleware.locale import LocaleMiddleware

        self.get_response = get_response
        self.fallback = LocaleMiddleware(get_response)

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        if request.path.startswith("/api/"):
            return self.fallback(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response



class WithoutControlCharactersMiddleware:
    """Form posts lose C0 control characters before any view reads them (the API's schemas do the same): one
    invisible \x02 in a title used to break every Excel export, and a NUL is refused by PostgreSQL (issue 13)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and not request.path.startswith("/api/"):
            from anxin.core.text import CONTROLS

            post = request.POST
            if any(CONTROLS.search(v) for values in post.lists() for v in values[1]):
                cleaned = post.copy()
                for key, values in post.lists():
                    cleaned.setlist(key, [CONTROLS.sub("", v) for v in values])
                cleaned._mutable = False
                request.POST = cleaned
        return self.get_response(request)
