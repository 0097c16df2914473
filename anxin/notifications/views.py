from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from anxin.notifications import selectors, services
from anxin.notifications.models import Channel


class PreferenceForm(forms.Form):
    channels = forms.MultipleChoiceField(label=gettext_lazy("Also send by"), required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         choices=[(c.value, c.label) for c in (Channel.EMAIL, Channel.SMS, Channel.WECHAT)])
    quiet_from = forms.TimeField(label=gettext_lazy("quiet from"), required=False,
                                 widget=forms.TimeInput(attrs={"type": "time"}))
    quiet_to = forms.TimeField(label=gettext_lazy("quiet to"), required=False,
                               widget=forms.TimeInput(attrs={"type": "time"}))
    wechat_openid = forms.CharField(label=gettext_lazy("WeChat OpenID"), required=False, max_length=64)

    def clean(self):
        data = super().clean()
        if bool(data.get("quiet_from")) != bool(data.get("quiet_to")):
            raise forms.ValidationError(_("Give both ends of the quiet hours, or neither."))
        return data


@require_GET
@login_required
def inbox(request):
    pref = selectors.preference_for(user=request.user)
    initial = {"channels": pref.channels.split(",") if pref else ["email"], "quiet_from": pref and pref.quiet_from,
               "quiet_to": pref and pref.quiet_to, "wechat_openid": pref.wechat_openid if pref else ""}
    return render(request, "notifications/inbox.html", {"items": selectors.inbox_for(user=request.user),
                                                        "form": PreferenceForm(initial=initial)})


@require_POST
@login_required
def mark_read(request):
    services.inbox_mark_read(user=request.user)
    return redirect("notifications:inbox")


@require_POST
@login_required
def preferences(request):
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("__all__", [])) or _("Check the fields."))
        return redirect("notifications:inbox")
    services.preference_set(user=request.user, **form.cleaned_data)
    messages.success(request, _("Saved."))
    return redirect("notifications:inbox")



@require_GET
@login_required
def health(request):
    """SECURITY-CASES 42: failed and waiting jobs visible — for the administrator (also as JSON for monitoring)."""
    if not request.user.is_staff:
        raise PermissionDenied
    summary = selectors.health_summary()
    if request.GET.get("format") == "json":
        return JsonResponse({**summary, "now": summary["now"].isoformat(), "sweeps": [
            {**s, "last": s["last"].isoformat() if s["last"] else None} for s in summary["sweeps"]],
            "failed_recent": [{**f, "last": f["last"].isoformat()} for f in summary["failed_recent"]]},
            status=200 if summary["ok"] else 503)
    return render(request, "notifications/health.html", {"h": summary})
