from django import forms
from django.utils.translation import gettext_lazy as _


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class RequestForm(forms.Form):
    reason = forms.CharField(label=_("How and when the customer asked"), max_length=300)
