from django.urls import path

from anxin.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("new/", views.new, name="new"),
    path("new/slots/", views.slot_choices, name="slots"),
    path("faq/", views.faq_suggest, name="faq"),
    path("track/", views.track, name="track"),
    path("settings/", views.message_settings, name="settings"),
    path("settings/wechat/", views.wechat_start, name="wechat_start"),
    path("settings/wechat/done/", views.wechat_done, name="wechat_done"),
    path("orders/<uuid:public_id>/", views.order, name="order"),
    path("orders/<uuid:public_id>/cancel/", views.cancel, name="cancel"),
    path("orders/<uuid:public_id>/reschedule/", views.reschedule, name="reschedule"),
    path("orders/<uuid:public_id>/slots/", views.reschedule_slots, name="reschedule_slots"),
    path("orders/<uuid:public_id>/message/", views.message, name="message"),
    path("orders/<uuid:public_id>/quote/", views.quote, name="quote"),
]
