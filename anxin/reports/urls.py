from django.urls import path

from anxin.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/", views.dashboard_export, name="dashboard-export"),
    path("types/", views.types, name="types"),
    path("types/export/", views.types_export, name="types-export"),
    path("staff/", views.staff_performance, name="staff"),
    path("staff/export/", views.staff_export, name="staff-export"),
    path("staff/orders/", views.staff_orders, name="staff-orders"),
    path("register/", views.register, name="register"),
    path("register/export/", views.register_export, name="register-export"),
    path("history/", views.history_upload, name="history"),
    path("history/<int:pk>/", views.history_job, name="history-job"),
    path("complaints/", views.complaint_reports, name="complaint-reports"),
    path("complaints/<int:pk>/", views.complaint_report, name="complaint-report"),
    path("complaints/<int:pk>/xlsx/", views.complaint_report_xlsx, name="complaint-report-xlsx"),
    path("complaints/<int:pk>/pdf/", views.complaint_report_pdf, name="complaint-report-pdf"),
]
