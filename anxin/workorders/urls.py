from django.urls import path

from anxin.core.steps import step_urls
from anxin.workorders import incident_views, views
from anxin.workorders.incident_steps import INCIDENT

app_name = "workorders"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk-assign/", views.bulk_assign, name="bulk-assign"),
    path("export/", views.export, name="export"),
    path("new/<uuid:customer_id>/", views.create_for_customer, name="create"),
    path("incidents/", incident_views.incident_list, name="incidents"),
    path("incidents/new/", incident_views.incident_declare, name="incident-declare"),
    path("incidents/<uuid:public_id>/", incident_views.incident_detail, name="incident"),
    *step_urls("incidents/<uuid:public_id>/", INCIDENT, incident_views.incident_step, "incident-"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/transition/", views.transition, name="transition"),
    path("<uuid:public_id>/assign/", views.assign, name="assign"),
    path("<uuid:public_id>/notes/", views.add_note, name="note-add"),
    path("<uuid:public_id>/attachments/", views.add_attachment, name="attachment-add"),
    path("<uuid:public_id>/attachments/<uuid:attachment_id>/", views.download_attachment, name="attachment-download"),
]
