from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from anxin.core.errors import DomainError
from anxin.core.signing import BadLink, order_id_from_rating_token
from anxin.revisits import panel_services, selectors, services

SCORES = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]


class RevisitForm(forms.Form):
    reached = forms.TypedChoiceField(label=_("Reached the customer?"), coerce=lambda v: v == "yes",
                                     choices=[("yes", _("Reached")), ("no", _("Not reached"))])
    timeliness = forms.TypedChoiceField(label=_("timeliness"), choices=SCORES, coerce=int, empty_value=None,
                                        required=False)
    attitude = forms.TypedChoiceField(label=_("attitude"), choices=SCORES, coerce=int, empty_value=None, required=False)
    quality = forms.TypedChoiceField(label=_("quality"), choices=SCORES, coerce=int, empty_value=None, required=False)
    price = forms.TypedChoiceField(label=_("price"), choices=SCORES, coerce=int, empty_value=None, required=False)
    overall = forms.TypedChoiceField(label=_("overall"), choices=SCORES, coerce=int, empty_value=None, required=False)
    comments = forms.CharField(label=_("comments"), max_length=2000, required=False, widget=forms.Textarea)
    new_request = forms.CharField(label=_("New request (opens a new order)"), max_length=100, required=False)


class RatingForm(forms.Form):
    overall = forms.TypedChoiceField(label=_("Overall"), choices=SCORES[1:], coerce=int, widget=forms.RadioSelect)
    timeliness = forms.TypedChoiceField(label=_("On time"), choices=SCORES[1:], coerce=int, widget=forms.RadioSelect)
    attitude = forms.TypedChoiceField(label=_("Friendly"), choices=SCORES[1:], coerce=int, widget=forms.RadioSelect)
    quality = forms.TypedChoiceField(label=_("Work quality"), choices=SCORES[1:], coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Anything else?"), max_length=500, required=False, widget=forms.Textarea)


@require_GET
@login_required
@permission_required("workorders.change_workorder", raise_exception=True)
def revisit_list(request):
    today = timezone.localdate()
    start = timezone.make_aware(timezone.datetime.combine(today.replace(day=1), timezone.datetime.min.time()))
    return render(request, "revisits/revisit_list.html", {
        "revisits": selectors.revisit_list_for(user=request.user), "now": timezone.now(),
        "coverage": selectors.coverage_for(user=request.user, since=start, until=timezone.now() + timedelta(days=1))})


@login_required
@permission_required("workorders.change_workorder", raise_exception=True)
def revisit_call(request, pk: int):
    revisit = selectors.revisit_get_for(user=request.user, pk=pk)
    form = RevisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.revisit_record(revisit=revisit, actor=request.user, reached=data["reached"],
                                    scores={a: data[a] for a in services.ASPECTS}, comments=data["comments"],
                                    new_request=data["new_request"])
        except DomainError as exc:
            field = exc.extra.get("field")
            form.add_error(field if field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("revisits:list")
    return render(request, "revisits/revisit_call.html", {"revisit": revisit, "form": form})


def rate(request, token: str):
    """F4: the customer's page, without logging in; the signed token is the only key."""
    try:
        public_id = order_id_from_rating_token(token)
    except BadLink:
        return render(request, "revisits/rate.html", {"invalid": True}, status=404)
    if selectors.rating_already_given(public_id=public_id):
        return render(request, "revisits/rate.html", {
            "done": True, "message": _("Thank you — this order has already been rated.")},
            status=409 if request.method == "POST" else 200)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.self_rating_create(token=token, comment=data["comment"],
                                        scores={a: data[a] for a in ("overall", "timeliness", "attitude", "quality")})
        except DomainError as exc:
            return render(request, "revisits/rate.html", {"message": str(exc), "done": exc.status == 409},
                          status=exc.status)
        return render(request, "revisits/rate.html", {"done": True, "message": _("Thank you for your rating!")})
    return render(request, "revisits/rate.html", {"form": form})


class CompetitivenessForm(forms.Form):
    """Up to three surveyed groups (our customers, competitor A's, competitor B's)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i, group in enumerate((_("Our customers"), _("Competitor A's customers"), _("Competitor B's customers"))):
            for name, label in (("asked", _("%(group)s: respondents")), ("yes", _("%(group)s: would choose us")),
                                ("population", _("%(group)s: customers the group stands for"))):
                self.fields[f"{name}_{i}"] = forms.IntegerField(label=label % {"group": group}, min_value=0,
                                                                required=i == 0)


@require_GET
@login_required
@permission_required("workorders.view_team_orders", raise_exception=True)
def indices(request):
    """F6: CSI per site and per type this month; the competitiveness index from survey counts."""
    from anxin.revisits.indices import SurveyGroup, competitiveness_index
    from anxin.workorders.states import Type

    today = timezone.localdate()
    since = timezone.make_aware(timezone.datetime.combine(today.replace(day=1), timezone.datetime.min.time()))
    until = timezone.now() + timedelta(days=1)
    form = CompetitivenessForm(request.GET or None)
    index, error = None, ""
    if request.GET and form.is_valid():
        d = form.cleaned_data
        groups = [SurveyGroup(str(i), d[f"asked_{i}"], d[f"yes_{i}"], d[f"population_{i}"])
                  for i in range(3) if d.get(f"asked_{i}")]
        try:
            index = competitiveness_index(groups)
        except ValueError:
            error = _("Check the counts: each group needs respondents, at most that many 'would choose us', "
                      "and a population.")
    labels = dict(Type.choices)
    by_type = [{**row, "group": labels.get(row["group"], row["group"])}
               for row in selectors.csi_by(user=request.user, since=since, until=until, group="type")]
    return render(request, "revisits/indices.html", {
        "by_site": selectors.csi_by(user=request.user, since=since, until=until, group="site"),
        "by_type": by_type, "form": form, "index": index, "error": error})


class PanelSurveyForm(forms.Form):
    reached = RevisitForm.base_fields["reached"]
    timeliness = RevisitForm.base_fields["timeliness"]
    attitude = RevisitForm.base_fields["attitude"]
    quality = RevisitForm.base_fields["quality"]
    price = RevisitForm.base_fields["price"]
    overall = RevisitForm.base_fields["overall"]
    comments = RevisitForm.base_fields["comments"]


@login_required
@permission_required("workorders.view_team_orders", raise_exception=True)
def panels(request):
    """F5: the fixed-customer panels in scope; a manager may start one for a site."""
    from anxin.accounts.selectors import site_list_for

    if request.method == "POST":
        site = next((s for s in site_list_for(user=request.user) if s.code == request.POST.get("site")), None)
        try:
            if site is None:
                raise DomainError("invalid", _("Choose a site."), {"field": "site"})
            panel = panel_services.panel_create(name=request.POST.get("name", ""), site=site, actor=request.user)
            return redirect("revisits:panel", pk=panel.pk)
        except DomainError as exc:
            messages.error(request, str(exc))
    return render(request, "revisits/panels.html", {"panels": selectors.panels_for(user=request.user),
                                                    "sites": site_list_for(user=request.user)})


@login_required
@permission_required("workorders.view_team_orders", raise_exception=True)
def panel(request, pk: int):
    """F5: members, this quarter's surveys to call, and the trend per aspect over quarters."""
    the_panel = selectors.panel_get_for(user=request.user, pk=pk)
    quarter = panel_services.quarter_of(timezone.localdate())
    step = request.POST.get("step", "") if request.method == "POST" else ""
    try:
        if step == "add":
            customer = selectors.panel_candidate(user=request.user, panel=the_panel, query=request.POST.get("q", ""))
            panel_services.panel_add(panel=the_panel, customer=customer, actor=request.user)
            messages.success(request, _("%(name)s joined the panel.") % {"name": customer.name})
            return redirect("revisits:panel", pk=pk)
        if step.startswith("remove:"):
            member = selectors.panel_member_get(panel=the_panel, pk=int(step.split(":")[1]))
            panel_services.panel_remove(member=member, actor=request.user)
            messages.success(request, _("Saved."))
            return redirect("revisits:panel", pk=pk)
        if step.startswith("survey:"):
            survey = selectors.panel_survey_get(panel=the_panel, pk=int(step.split(":")[1]))
            form = PanelSurveyForm(request.POST)
            if not form.is_valid():
                raise DomainError("invalid", _("Check the fields."), {})
            data = form.cleaned_data
            panel_services.panel_survey_record(survey=survey, actor=request.user, reached=data["reached"],
                                               scores={a: data[a] for a in services.ASPECTS},
                                               comments=data["comments"])
            messages.success(request, _("Saved."))
            return redirect("revisits:panel", pk=pk)
    except (DomainError, ValueError) as exc:
        messages.error(request, str(exc))
    return render(request, "revisits/panel.html", {
        "panel": the_panel, "quarter": quarter, "members": selectors.panel_members(panel=the_panel),
        "surveys": selectors.panel_surveys_open(panel=the_panel, quarter=quarter),
        "trend": selectors.panel_trend(panel=the_panel), "form": PanelSurveyForm(auto_id=False),
        "aspects": [("timeliness", _("timeliness")), ("attitude", _("attitude")), ("quality", _("quality")),
                    ("price", _("price")), ("overall", _("overall"))],
    })
