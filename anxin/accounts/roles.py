"""The SPEC roles as Django groups, each with the permissions it needs (J1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Service agent")
    DISPATCHER = "dispatcher", _("Dispatcher")
    TECHNICIAN = "technician", _("Technician")
    WAREHOUSE = "warehouse", _("Warehouse")
    QA_INSPECTOR = "qa_inspector", _("QA inspector")
    COMPLAINT_OFFICER = "complaint_officer", _("Complaint officer")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    DEPT_HEAD = "dept_head", _("Head of department")
    ADMINISTRATOR = "administrator", _("Administrator")
    KNOWLEDGE_EDITOR = "knowledge_editor", _("Knowledge editor")
    DATA_OFFICER = "data_officer", _("Data protection officer")


_READ = ["customers.view_customer", "workorders.view_workorder", "intake.view_contactlog"]
_DESK = _READ + [
    "customers.add_customer", "customers.change_customer", "customers.view_full_phone",
    "workorders.add_workorder", "workorders.change_workorder", "workorders.view_team_orders",
    "intake.add_contactlog",
]
_MANAGE = _DESK + [
    "workorders.assign_workorder", "workorders.close_workorder", "customers.import_customers",
    "customers.export_customers", "workorders.export_workorders", "customers.change_tier",
]

# H1–H6: managers see every figure of their scope; the complaint officer the dashboard; QA staff performance too
_REPORTS = ["reports.view_dashboard", "reports.view_staff_performance"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENT: _DESK,
    # 调度员 / 生产主管: dispatches and approves warranty assessments and off-list quote items (C6, C7)
    Role.DISPATCHER: _DESK + ["workorders.assign_workorder", "field.approve_field"],
    # Technicians see only orders assigned to them, and full phones only on their active ones (J2).
    Role.TECHNICIAN: ["workorders.view_workorder", "workorders.change_workorder", "customers.view_customer"],
    Role.WAREHOUSE: _READ + ["workorders.view_team_orders", "field.issue_materials"],
    # G2: the QA inspector reviews and publishes knowledge (four eyes: never their own version)
    Role.QA_INSPECTOR: _READ + ["workorders.view_team_orders", "knowledge.edit_article", "knowledge.publish_article",
                                "reports.view_dashboard", "reports.view_staff_performance", "qa.review_qa"],
    Role.KNOWLEDGE_EDITOR: _READ + ["workorders.view_team_orders", "knowledge.edit_article"],
    # D2: the complaint officer routes complaints to an owner
    Role.COMPLAINT_OFFICER: _DESK + ["workorders.close_workorder", "workorders.assign_workorder",
                                     "reports.view_dashboard"],
    Role.SERVICE_MANAGER: _MANAGE + ["audit.view_auditlog", "field.approve_field", "field.issue_materials",
                                     "knowledge.edit_article", "knowledge.publish_article", *_REPORTS,
                                     "qa.review_qa", "reports.import_history"],
    Role.DEPT_HEAD: _READ + ["workorders.change_workorder", "workorders.view_team_orders", "workorders.close_workorder",
                             *_REPORTS],
    # B4: reviews purge batches (never one they proposed) and exports all data held on one customer (PIPL)
    Role.DATA_OFFICER: _READ + ["workorders.view_team_orders", "customers.view_full_phone", "audit.view_auditlog",
                                "retention.review_purge", "retention.export_customer_data",
                                "retention.view_purgebatch"],
    Role.ADMINISTRATOR: _MANAGE + ["audit.view_auditlog", "field.approve_field", "field.issue_materials",
                                   "knowledge.edit_article", "knowledge.publish_article", "search.add_searchterm",
                                   "search.view_searchterm", "search.delete_searchterm", *_REPORTS,
                                   "reports.import_history"],
}
