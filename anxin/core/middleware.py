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

