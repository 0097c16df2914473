"""A starting checklist from the hotline phrasebook (seed 003, 篇5); the administrator edits it in the admin."""

from django.db import migrations

ITEMS = [
    ("规范问候，报出工号", 10, False),
    ("核实客户身份与联系方式", 10, False),
    ("准确记录诉求（时间、地点、现象）", 20, False),
    ("按规定分类、定级，紧急情况及时转派", 15, False),
    ("告知处理时限并兑现承诺", 15, False),
    ("语气礼貌、耐心，无推诿", 20, False),
    ("规范结束语，确认客户无其他需求", 10, False),
    ("保护客户信息，不辱骂、顶撞客户", 0, True),
]


def create(apps, schema_editor):
    Checklist = apps.get_model("qa", "Checklist")
    Item = apps.get_model("qa", "ChecklistItem")
    if Checklist.objects.exists():
        return
    checklist = Checklist.objects.create(name="热线服务质检表", is_active=True)
    Item.objects.bulk_create([Item(checklist=checklist, text=text, weight=weight, is_fatal=fatal, position=i)
                              for i, (text, weight, fatal) in enumerate(ITEMS)])


class Migration(migrations.Migration):
    dependencies = [("qa", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
