from django.urls import path

from anxin.workorders import views

app_name = "workorders"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk-assign/", views.bulk_assign, name="bulk-assign"),
    path("export/", views.export, name="export"),
    path("new/<uuid:customer_id>/", views.create_for_customer, name="create"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/transition/", views.transition, name="transition"),
    path("<uuid:public_id>/assign/", views.assign, name="assign"),
    path("<uuid:public_id>/notes/", views.add_note, name="note-add"),
    path("<uuid:public_id>/attachments/", views.add_attachment, name="attachment-add"),
    path("<uuid:public_id>/attachments/<uuid:attachment_id>/", views.download_attachment, name="attachment-download"),
]
