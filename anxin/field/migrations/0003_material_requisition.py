"""领料单 is MaterialRequisition in the glossary (issue 15): the two tables are renamed, rows and links kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("field", "0002_onduty_to_accounts"),
    ]

    operations = [
        migrations.RenameModel(old_name="Requisition", new_name="MaterialRequisition"),
        migrations.RenameModel(old_name="RequisitionLine", new_name="MaterialRequisitionLine"),
    ]
