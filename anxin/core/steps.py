"""Steps: one user action on one record — its form and the service it calls — as a row of a table.

A page with many actions (the technician's phone page, the desk's field panel, a complaint) keeps a table of
steps. Each step gets its own POST URL (`step_urls`), the pages render each step's form with that URL as its
action, and the API runs the same row (`step_perform`), so a step's validation and effect are written once.
Domain-free: the rows live in the app that owns them (`field/steps.py`, `complaints/steps.py`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError


@dataclass(frozen=True)
class Step:
    key: str  # the URL segment and the URL name's suffix
    form: type[forms.Form]  # shapes the input; cleaned_data is what `run` receives
    run: Callable[[Any, Any, dict], Any]  # run(record, actor, cleaned_data) → result; None = a resend, already done
    section: str = ""  # the part of the page to show open afterwards
    done: str = ""  # what the user is told on success (a lazy translation); "" = the page's default
    perm: str = ""  # a permission beyond the view's, checked before the form
    form_kwargs: Callable[[Any, Any], dict] | None = None  # the form's extra arguments, from (record, actor)


class StepInvalid(DomainError):
    """The step's form did not validate; carries the bound form so the page can show it with its errors."""

    def __init__(self, form: forms.Form):
        field, errors = next(iter(form.errors.items()))
        super().__init__(ErrorCode.INVALID, errors[0], {"field": field, "errors": form.errors.get_json_data()})
        self.form = form


def step_perform(step: Step, *, record, actor, data, files=None):
    """Validate `data` with the step's form and run it. Raises StepInvalid, or the service's DomainError; either
    carries the bound form as `.form`."""
    if step.perm and not actor.has_perm(step.perm):
        raise PermissionDeniedError()
    form = step.form(data, files, **(step.form_kwargs(record, actor) if step.form_kwargs else {}))
    if not form.is_valid():
        raise StepInvalid(form)
    try:
        return step.run(record, actor, form.cleaned_data)
    except DomainError as exc:
        exc.form = form  # the page shows what was typed next to the reason, not an empty form
        raise


def step_response(request, step: Step, *, record, page: Callable[[dict], Any], done: Callable[[], Any]):
    """Run a step posted from a page: saved → its message and `done()` (a redirect); refused → the reason and
    `page(bound)`, the page again with the step's bound form (what was typed, next to why not)."""
    try:
        step_perform(step, record=record, actor=request.user, data=request.POST, files=request.FILES)
    except DomainError as exc:
        messages.error(request, _("Check the fields.") if isinstance(exc, StepInvalid) else str(exc))
        return page({step.key: exc.form} if hasattr(exc, "form") else {})
    messages.success(request, step.done or _("Saved."))
    return done()


def step_urls(route: str, table: dict[str, Step], view, name: str) -> list[URLPattern]:
    """One POST URL per step: `<route><key with dashes>/`, named `<name><key>`; the view gets `step=key`."""
    return [path(f"{route}{key.replace('_', '-')}/", view, {"step": key}, name=f"{name}{key}") for key in table]


class TokenForm(forms.Form):
    """A step with nothing to fill in but its one-time token (a resend with the same token is not repeated)."""

    token = forms.CharField(max_length=64, required=False)
