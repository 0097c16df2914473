from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from anxin.accounts.models import OrgUnit, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("Anxin", {"fields": ("display_name", "org_unit", "employee_no", "phone",
                                                                 "language_skills")}),)
    list_display = ["username", "display_name", "org_unit", "is_active", "last_login"]
    list_filter = ["groups", "org_unit", "is_active"]


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent"]
    readonly_fields = ["path"]
