"""The H5 customer portal (A5) at /portal/: no staff login; the customer is the mobile number proved by an SMS code,
kept in the session for PORTAL_SESSION_SECONDS. Thin views: shapes in forms, rules in services."""

import time
import uuid
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from anxin.core.errors import DomainError
from anxin.core.http import client_ip
from anxin.core.signing import rating_token
from anxin.field.tracking import tracking_path
from anxin.knowledge.selectors import articles_by_id
from anxin.notifications.transports import wechat_authorize_url
from anxin.portal import selectors, services
from anxin.portal.forms import CodeForm, MessageForm, PhoneForm, RepairForm, TrackForm
from anxin.revisits.selectors import rating_already_given
from anxin.search.selectors import PUBLIC, search
from anxin.workorders.states import Status

SESSION_KEY = "portal_phone"


def _phone(request) -> str | None:
    data = request.session.get(SESSION_KEY)
    if not data or data.get("until", 0) < time.time():
        return None
    return data["phone"]


def customer_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        phone = _phone(request)
        if phone is None:
            return redirect(f"{reverse('portal:login')}?next={request.path}")
        request.portal_phone = phone
        return view(request, *args, **kwargs)
    return wrapper


def _refused(request, template: str, context: dict, exc: DomainError):
    """A rule said no: the same page with the message; 429 carries Retry-After."""
    context["error"] = str(exc)
    response = render(request, template, context, status=exc.status)
    if isinstance(exc, services.Throttled):
        response["Retry-After"] = str(exc.retry_after)
    return response


def login(request):
    """Step 1: the number → a code by SMS. Step 2: the code → signed in."""
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    nxt = nxt if nxt.startswith("/portal/") else ""
    if request.method == "POST" and request.POST.get("step") == "verify":
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                phone = services.code_verify(phone_raw=form.cleaned_data["phone"], code=form.cleaned_data["code"],
                                             ip=client_ip(request))
            except DomainError as exc:
                return _refused(request, "portal/login.html", {"form": form, "step": "verify", "next": nxt}, exc)
            request.session.cycle_key()  # no session fixation across the sign-in
            request.session[SESSION_KEY] = {"phone": phone, "until": time.time() + settings.PORTAL_SESSION_SECONDS}
            return redirect(nxt or "portal:home")
        return render(request, "portal/login.html", {"form": form, "step": "verify", "next": nxt}, status=400)
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.code_request(phone_raw=form.cleaned_data["phone"], ip=client_ip(request))
        except DomainError as exc:
            return _refused(request, "portal/login.html", {"form": form, "step": "phone", "next": nxt}, exc)
        return render(request, "portal/login.html", {"form": CodeForm(initial={"phone": form.cleaned_data["phone"]}),
                                                     "step": "verify", "sent": True, "next": nxt})
    return render(request, "portal/login.html", {"form": form, "step": "phone", "next": nxt},
                  status=400 if request.method == "POST" else 200)


@require_POST
def logout(request):
    request.session.pop(SESSION_KEY, None)
    return redirect("portal:login")


@require_GET
@customer_required
def home(request):
    return render(request, "portal/home.html", {"orders": selectors.orders_for_phone(request.portal_phone)})


def _photos(request) -> list:
    return services.photos_checked(request.FILES.getlist("photos"))


@customer_required
def new(request):
    """File a repair: what, where, when (a free slot), photos. One order however often it is sent."""
    phone = request.portal_phone
    customers = selectors.customers_for_phone(phone)
    form = RepairForm(request.POST or None, customers=customers, initial={"token": uuid.uuid4().hex})
    context = {"form": form, "customers": customers}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new_customer = ({"name": data["new_name"], "site": data["new_site"], "address": data["new_address"]}
                        if data["address"] == "new" else None)
        try:
            order = services.repair_file(
                phone=phone, category=data["category"], description=data["description"],
                customer_id=None if new_customer else data["address"], new_customer=new_customer,
                slot_key=data["slot"], photos=_photos(request), idempotency_key=data["token"])
        except DomainError as exc:
            field = exc.extra.get("field")
            form.add_error(field if field in form.fields else None, str(exc))
            context["photos_error"] = str(exc) if field in ("file", "photos") else ""
            return render(request, "portal/new.html", context, status=exc.status)
        messages.success(request, _("Thank you. Your request number is %(number)s.") % {"number": order.number})
        if getattr(order, "photos_not_saved", 0):
            messages.warning(request, _("Your request is filed, but %(n)d photo(s) could not be saved. You can add "
                                        "them on this page later.") % {"n": order.photos_not_saved})
        return redirect("portal:order", public_id=order.public_id)
    return render(request, "portal/new.html", context, status=400 if request.method == "POST" else 200)


@require_GET
@customer_required
def slot_choices(request):
    """The free slots for the chosen category and address (or service centre for a new address)."""
    offered = selectors.slots_for_form(phone=request.portal_phone, category_id=request.GET.get("category"),
                                       address=request.GET.get("address", ""), new_site_id=request.GET.get("new_site"))
    return render(request, "portal/_slots.html", {"slots": offered or [], "ready": offered is not None,
                                                  "chosen": request.GET.get("slot", "")})


@require_GET
def faq_suggest(request):
    """htmx: the three public FAQ answers that best match what the customer is typing (G1)."""
    query = (request.GET.get("description") or "")[:200]
    hits = search(user=None, query=query, kinds=("article",), scope=PUBLIC, limit=3) if len(query.strip()) >= 2 else []
    found = articles_by_id(ids=[h.object_id for h in hits])
    return render(request, "portal/_faq.html", {"hits": [(h, found[h.object_id]) for h in hits if h.object_id in found]})


@require_GET
@customer_required
def order(request, public_id):
    order = selectors.order_for_phone(request.portal_phone, public_id)
    return render(request, "portal/order.html", _order_context(order))


def _order_context(order, **extra) -> dict:
    context = selectors.order_page(order)
    context.update(
        can_cancel=order.status in services.CANCEL_STATUSES,
        can_reschedule=services.can_reschedule(order, context["appointment"]),
        rate_link=reverse("rate", args=[rating_token(order.public_id)]) if order.status in (Status.RESOLVED, Status.CLOSED)
        and not rating_already_given(order_id=order.pk) else "",
        message_form=MessageForm(), **extra)
    return context


def _order_action(request, public_id, action):
    """Run one customer action on their order; a refusal re-renders the order page with the reason."""
    order = selectors.order_for_phone(request.portal_phone, public_id)
    try:
        action(order)
    except DomainError as exc:
        return _refused(request, "portal/order.html", _order_context(order), exc)
    return redirect("portal:order", public_id=order.public_id)


@require_POST
@customer_required
def cancel(request, public_id):
    def act(order):
        services.order_cancel(phone=request.portal_phone, order=order, reason=request.POST.get("reason", ""))
        messages.success(request, _("Your request has been cancelled."))
    return _order_action(request, public_id, act)


@require_POST
@customer_required
def reschedule(request, public_id):
    def act(order):
        services.order_reschedule(phone=request.portal_phone, order=order, slot_key=request.POST.get("slot", ""))
        messages.success(request, _("The visit has been moved."))
    return _order_action(request, public_id, act)


@require_GET
@customer_required
def reschedule_slots(request, public_id):
    order = selectors.order_for_phone(request.portal_phone, public_id)
    return render(request, "portal/_slots.html", {"slots": selectors.slots_for_order(order), "ready": True,
                                                  "chosen": ""})


@require_POST
@customer_required
def message(request, public_id):
    def act(order):
        form = MessageForm(request.POST)
        if not form.is_valid():
            raise DomainError(services.PortalErrorCode.INVALID, _("Write a message first (at most 2000 characters)."))
        photos = _photos(request)[:1]
        services.order_message(phone=request.portal_phone, order=order, body=form.cleaned_data["body"],
                               photo=photos[0] if photos else None)
        messages.success(request, _("Sent. We will get back to you."))
    return _order_action(request, public_id, act)


@require_POST
@customer_required
def quote(request, public_id):
    def act(order):
        approve = request.POST.get("decision") == "approve"
        services.quote_decide(phone=request.portal_phone, order=order, approve=approve)
        messages.success(request, _("Thank you; the technician has been told.") if approve
                         else _("Declined; the technician has been told."))
    return _order_action(request, public_id, act)


def track(request):
    """Follow an order without signing in: its number and the last four digits of the phone."""
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.track_lookup(number=form.cleaned_data["number"], last4=form.cleaned_data["last4"],
                                          ip=client_ip(request))
        except DomainError as exc:
            return _refused(request, "portal/track.html", {"form": form}, exc)
        if order is not None:
            return redirect(tracking_path(order))
        return render(request, "portal/track.html", {"form": form, "error": _(
            "No order matches this number and these digits.")}, status=404)
    return render(request, "portal/track.html", {"form": form}, status=400 if request.method == "POST" else 200)


WECHAT_STATE_KEY = "portal_wechat_state"


@customer_required
def message_settings(request):
    """I1: how the customer hears about their orders — SMS, email or WeChat (once linked)."""
    phone = request.portal_phone
    context = selectors.message_settings(phone)
    if request.method == "POST":
        try:
            services.message_channel_set(phone=phone, channel=request.POST.get("channel", "")[:10])
        except DomainError as exc:
            return _refused(request, "portal/settings.html", context, exc)
        messages.success(request, _("Saved. Messages about your orders will come this way."))
        return redirect("portal:settings")
    return render(request, "portal/settings.html", context)


@require_POST
@customer_required
def wechat_start(request):
    """To WeChat's sign-in (silent inside WeChat's browser); it comes back to `wechat_done` with a code."""
    if not settings.WECHAT_APPID:
        return redirect("portal:settings")
    state = uuid.uuid4().hex
    request.session[WECHAT_STATE_KEY] = state  # the answer must come back to this session
    back = f"{settings.SITE_URL}{reverse('portal:wechat_done')}"
    return redirect(wechat_authorize_url(redirect_uri=back, state=state))


@require_GET
@customer_required
def wechat_done(request):
    expected = request.session.pop(WECHAT_STATE_KEY, None)
    code = (request.GET.get("code") or "")[:200]
    context = selectors.message_settings(request.portal_phone)
    if not expected or request.GET.get("state") != expected or not code:
        # a forged or replayed answer (or the customer declined in WeChat): nothing is linked
        return _refused(request, "portal/settings.html", context, DomainError(
            services.PortalErrorCode.INVALID, _("The WeChat link was not completed. Please try again.")))
    try:
        services.wechat_link(phone=request.portal_phone, code=code)
    except DomainError as exc:
        return _refused(request, "portal/settings.html", context, exc)
    messages.success(request, _("WeChat linked. Messages about your orders will come by WeChat."))
    return redirect("portal:settings")
