from django.urls import path

from anxin.core.ratelimit import public_rate_limit
from anxin.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_edit, name="create"),
    path("suggest/", views.suggest, name="suggest"),
    path("classify/", views.classify_suggest, name="classify"),
    path("faults/", views.faults, name="faults"),
    path("<uuid:public_id>/", views.article_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.article_edit, name="edit"),
    path("<uuid:public_id>/step/", views.article_step, name="step"),
    path("<uuid:public_id>/use/", views.article_use, name="use"),
    path("<uuid:public_id>/side/", views.article_side, name="side"),
    path("<uuid:public_id>/attachments/", views.attachment_add, name="attachment-add"),
    path("<uuid:public_id>/attachments/<uuid:attachment_id>/", views.attachment_get, name="attachment"),
]

faq_patterns = ([
    path("", views.faq_list, name="list"),
    path("<uuid:public_id>/", views.faq_detail, name="detail"),
    path("<uuid:public_id>/vote/", public_rate_limit("faq_vote")(views.faq_vote), name="vote"),
], "faq")
