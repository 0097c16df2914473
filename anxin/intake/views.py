import json
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from anxin.accounts import selectors as account_selectors
from anxin.core.errors import DomainError, NotFound
from anxin.customers import selectors as customer_selectors
from anxin.intake import call_services, counter_services, selectors, services
from anxin.intake.forms import CALL_CHANNELS, CallForm, CounterFinishForm, CounterTicketForm
from anxin.knowledge import selectors as knowledge_selectors


@login_required
@permission_required("intake.add_contactlog", raise_exception=True)
def call_new(request):
    user = request.user
    phone = (request.POST.get("phone") or request.GET.get("phone") or "")[:40]
    customer_id = (request.POST.get("customer") or request.GET.get("customer") or "")[:40]
    context = selectors.caller_context(user=user, phone=phone, customer_id=customer_id)
    customer = context["customer"]
    sites = account_selectors.site_list_for(user=user)
    assets = list(customer.assets.all()) if customer else []
    initial = {"phone": phone, "customer": customer.public_id if customer else None,
               "site": customer.site.code if customer else (user.org_unit.code if user.org_unit_id else "")}
    if request.GET.get("channel") in CALL_CHANNELS:
        initial["channel"] = request.GET["channel"]  # the counter sends its walk-in customers here
    form = CallForm(request.POST or None, sites=sites, assets=assets, initial=initial)
    if request.method == "POST" and form.is_valid():
        response = _handle_call(request, form, customer, assets, context)
        if response is not None:
            return response
    extra = {"form": form, "kb_enabled": knowledge_selectors.can_read_knowledge(user),
             "ticket": (request.POST.get("ticket") or request.GET.get("ticket") or "")[:40],
             "used_articles": (request.POST.get("used_articles") or "")[:400]}
    if request.htmx and request.GET.get("lookup"):
        return render(request, "intake/call_new.html#caller", {**context, **extra})
    return render(request, "intake/call_new.html", {**context, **extra})


def _json_or_empty(raw: str | None) -> dict:
    try:
        value = json.loads((raw or "{}")[:2000])
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _handle_call(request, form, customer, assets, context):
    """One submit: the service does everything in one transaction; the view maps its answer to a page."""
    data, user = form.cleaned_data, request.user
    try:
        ticket = None
        if ticket_id := (request.POST.get("ticket") or "")[:40]:
            # A4: a walk-in customer served at this agent's window; the log closes their queue number
            ticket = selectors.counter_ticket_get_for(user=user, public_id=ticket_id)
        taken = call_services.call_take(
            actor=user, data=data, action=request.POST.get("action", "log")[:80], customer=customer,
            asset=next((a for a in assets if str(a.public_id) == data["asset"]), None),
            force_new=bool(request.POST.get("force_new")), ticket=ticket,
            used_articles=(request.POST.get("used_articles") or "").split(","),
            suggested=_json_or_empty(request.POST.get("suggested")))
    except DomainError as exc:
        field = exc.extra.get("field")
        # a hidden field (the customer picked by lookup) has nowhere to show its error: say it above the form
        form.add_error(field if field in form.fields and not form.fields[field].widget.is_hidden else None, str(exc))
        return None
    if taken.duplicates:
        context["duplicates"] = [selectors.promise_row(o) for o in taken.duplicates]
        return None
    if taken.order is None:
        if not taken.repeat:
            messages.success(request, _("The contact was logged."))
        return redirect("intake:call-new")
    if taken.incident is not None:  # the caller heard the script; the next call waits
        messages.success(request, _("Logged as report %(number)s of the outage in %(area)s.")
                         % {"number": taken.order.number, "area": taken.incident.area})
        return redirect("intake:call-new")
    if not taken.repeat:
        messages.success(request, _("The contact was linked to %(number)s as an urge.") % {"number": taken.order.number}
                         if taken.urged else _("Work order %(number)s created.") % {"number": taken.order.number})
    return redirect("workorders:detail", public_id=taken.order.public_id)


@require_GET
@login_required
def call_pending(request):
    """Polled by the new-call screen: a ringing CTI call for this agent pops its caller."""
    call = services.incoming_call_take(agent=request.user)
    if call is None:
        return HttpResponse(status=204)
    response = HttpResponse(status=200)
    response["HX-Redirect"] = reverse("intake:call-new") + "?" + urlencode({"phone": call.phone})
    return response


@require_POST
@login_required
def contact_protocol(request, public_id):
    """D7 from the customer archive: warn the caller, or (shift lead, after three warnings) end the contact."""
    log = selectors.contactlog_get_for(user=request.user, public_id=public_id)
    try:
        if request.POST.get("action") == "end":
            services.contactlog_end(log=log, actor=request.user)
        else:
            services.contactlog_warn(log=log, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    if log.customer_id:
        return redirect("customers:archive", public_id=log.customer.public_id)
    return redirect("intake:call-new")


# --- A4 walk-in counter -----------------------------------------------------------------------------------------

COUNTER_ACTIONS = {"take", "open", "close", "next", "finish", "no_show", "note"}


def _counter_site(request):
    return selectors.counter_site_for(user=request.user,
                                      code=(request.POST.get("site") or request.GET.get("site") or "")[:20])


@login_required
@permission_required("intake.add_contactlog", raise_exception=True)
def counter(request):
    """A4: the counter screen — give numbers, call the next customer to my window, serve, log the visit."""
    site = _counter_site(request)
    form = CounterTicketForm(request.POST or None) if request.POST.get("action") == "take" else CounterTicketForm()
    if request.method == "POST":
        response = _counter_action(request, site, form)
        if response is not None:
            return response
    view = selectors.counter_view(user=request.user, site=site)
    finish = CounterFinishForm()
    return render(request, "intake/counter.html", {
        "view": view, "form": form, "finish": finish, "sites": account_selectors.site_list_for(user=request.user),
        "current_phone": (customer_selectors.phone_for_display(request.user, view.current.phone)
                          if view.current and view.current.phone else ""),
    })


def _counter_action(request, site, form):
    action = request.POST.get("action", "")
    user = request.user
    if action not in COUNTER_ACTIONS:
        messages.error(request, _("Unknown action."))
        return redirect(reverse("intake:counter") + f"?site={site.code}")
    try:
        if action == "take":
            if not form.is_valid():
                return None
            data = form.cleaned_data
            ticket = counter_services.ticket_take(
                actor=user, site=site, phone=data["phone"], name=data["name"], purpose=data["purpose"],
                has_appointment=data["has_appointment"], client_token=data["token"])
            messages.success(request, _("Number %(number)s given.") % {"number": ticket.number})
        elif action == "open":
            counter_services.desk_open(actor=user, site=site, label=request.POST.get("label", ""))
        elif action == "close":
            counter_services.desk_close(actor=user)
        elif action == "next":
            if counter_services.ticket_call_next(actor=user) is None:
                messages.info(request, _("Nobody is waiting."))
        else:
            ticket = selectors.counter_ticket_get_for(user=user, public_id=request.POST.get("ticket", ""))
            if action == "finish":
                finish = CounterFinishForm(request.POST)
                if not finish.is_valid():
                    messages.error(request, _("Say in a few words how the visit ended."))
                    return redirect(reverse("intake:counter") + f"?site={site.code}")
                counter_services.ticket_finish(actor=user, ticket=ticket, content=finish.cleaned_data["content"],
                                               category=finish.cleaned_data["category"])
                messages.success(request, _("%(number)s served; the visit is in the contact log.")
                                 % {"number": ticket.number})
            elif action == "no_show":
                counter_services.ticket_no_show(actor=user, ticket=ticket)
            else:
                counter_services.ticket_note(actor=user, ticket=ticket, purpose=request.POST.get("purpose", ""))
    except NotFound:
        raise  # another site's number looks missing, like any record out of scope
    except DomainError as exc:
        if action == "take" and exc.extra.get("field") in form.fields:
            form.add_error(exc.extra["field"], str(exc))
            return None
        messages.error(request, str(exc))
    return redirect(reverse("intake:counter") + f"?site={site.code}")


@require_GET
@login_required
@permission_required("intake.add_contactlog", raise_exception=True)
def counter_display(request):
    """The hall screen (a browser on the TV): numbers and windows only; refreshes itself."""
    board = selectors.counter_display(site=_counter_site(request))
    return render(request, "intake/counter_display.html", {"board": board})


@require_GET
@login_required
@permission_required("reports.view_dashboard", raise_exception=True)
def languages(request):
    """A12: per language, the agents who have it, the share of its customers' contacts served in it, the routing."""
    since = timezone.now() - timedelta(days=30)
    return render(request, "intake/languages.html", {"rows": selectors.language_report(user=request.user, since=since),
                                                      "since": since})
