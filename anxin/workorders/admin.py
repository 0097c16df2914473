from django.contrib import admin

from anxin.workorders.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Categories are reference data that administrators maintain; orders change only through services."""

    list_display = ["code", "name", "parent", "family", "is_active"]
    list_filter = ["family", "is_active"]
