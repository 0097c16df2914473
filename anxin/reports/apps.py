from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "anxin.reports"
    verbose_name = _("Reports")
    label = "reports"

    def ready(self):
        from django.db.models.signals import post_migrate, pre_migrate

        from anxin.reports.rollup_triggers import rollup_triggers_ensure, rollup_triggers_release

        # before a migrate that changes tables, on SQLite: off (a trigger naming a table being remade fails the remake)
        pre_migrate.connect(rollup_triggers_release, sender=self, dispatch_uid="reports.rollup_triggers_release")
        # after every migrate: SQLite drops a table's triggers when a migration remakes the table
        post_migrate.connect(rollup_triggers_ensure, sender=self, dispatch_uid="reports.rollup_triggers")
