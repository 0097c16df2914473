from django.urls import path

from anxin.core.steps import step_urls
from anxin.retention import views
from anxin.retention.steps import BATCH

app_name = "retention"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("propose/", views.propose_now, name="propose"),
    path("<uuid:public_id>/", views.batch_detail, name="batch"),
    *step_urls("<uuid:public_id>/", BATCH, views.batch_step, "batch-"),
    path("customers/<uuid:public_id>/request/", views.deletion_request, name="request"),
    path("customers/<uuid:public_id>/export/", views.customer_export, name="export"),
]
