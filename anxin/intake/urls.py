from django.urls import path

from anxin.intake import views

app_name = "intake"
urlpatterns = [
    path("call/", views.call_new, name="call-new"),
    path("call/pending/", views.call_pending, name="call-pending"),
    path("counter/", views.counter, name="counter"),
    path("counter/display/", views.counter_display, name="counter-display"),
    path("languages/", views.languages, name="languages"),
    path("contacts/<uuid:public_id>/protocol/", views.contact_protocol, name="contact-protocol"),
]
