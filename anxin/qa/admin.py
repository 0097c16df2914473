from django.contrib import admin

from anxin.qa.models import Checklist, ChecklistItem


class ItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    """H5: the administrator edits the QA checklist — weighted items, fatal items."""

    list_display = ["name", "is_active"]
    inlines = [ItemInline]
