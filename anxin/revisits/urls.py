from django.urls import path

from anxin.revisits import views

app_name = "revisits"
urlpatterns = [
    path("", views.revisit_list, name="list"),
    path("<int:pk>/", views.revisit_call, name="call"),
    path("indices/", views.indices, name="indices"),
    path("panels/", views.panels, name="panels"),
    path("panels/<int:pk>/", views.panel, name="panel"),
]
