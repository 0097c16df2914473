from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from anxin.api import api
from anxin.core.ratelimit import public_rate_limit
from anxin.field.views import track as track_view
from anxin.knowledge.urls import faq_patterns
from anxin.knowledge.views import unified_search
from anxin.revisits.views import rate as rate_view
from anxin.workorders.views import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="workorders:queue", permanent=False)),
    path("accounts/", include("anxin.accounts.urls")),
    path("orders/", include("anxin.workorders.urls")),
    path("customers/", include("anxin.customers.urls")),
    path("intake/", include("anxin.intake.urls")),
    path("sla/", include("anxin.sla.urls")),
    path("notifications/", include("anxin.notifications.urls")),
    path("revisits/", include("anxin.revisits.urls")),
    path("complaints/", include("anxin.complaints.urls")),
    path("field/", include("anxin.field.urls")),
    path("reports/", include("anxin.reports.urls")),
    path("kb/", include("anxin.knowledge.urls")),
    path("faq/", include(faq_patterns)),
    path("portal/", include("anxin.portal.urls")),
    path("retention/", include("anxin.retention.urls")),
    path("qa/", include("anxin.qa.urls")),
    path("search/", unified_search, name="search"),
    path("t/<str:token>/", public_rate_limit("track")(track_view), name="track"),
    path("rate/<str:token>/", public_rate_limit("rate")(rate_view), name="rate"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", healthz),
]
handler500 = "anxin.core.views.server_error"
