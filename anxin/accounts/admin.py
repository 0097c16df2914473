from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from anxin.accounts import services
from anxin.accounts.models import LanguageSkill, OnDuty, OrgUnit, User
from anxin.audit.services import audited_save
from anxin.core.errors import DomainError


class LanguageSkillInline(admin.TabularInline):
    """A12: the languages the agent serves customers in (routing offers such callers to them first)."""

    model = LanguageSkill
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("Anxin", {"fields": ("display_name", "org_unit", "employee_no",
                                                                 "phone")}),)
    inlines = [LanguageSkillInline]
    list_display = ["username", "display_name", "org_unit", "is_active", "last_login"]
    list_filter = ["groups", "org_unit", "is_active"]


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent"]
    readonly_fields = ["path"]


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """Locked log-ins: the administrator lifts a lock with an audited action (not a silent delete)."""

    actions = ["unlock"]

    def has_delete_permission(self, request, obj=None):
        return False  # only through "unlock", which is audited

    @admin.action(description=_("Unlock the selected log-ins (audited)"))
    def unlock(self, request, queryset):
        count = services.login_unlock(actor=request.user, attempts=queryset, request=request)
        self.message_user(request, _("%(count)d lock(s) lifted.") % {"count": count})


@admin.register(OnDuty)
class OnDutyAdmin(admin.ModelAdmin):
    """The duty roster, kept by service managers; every save validated and audited."""

    list_display = ["day", "kind", "technician"]
    list_filter = ["kind"]
    date_hierarchy = "day"

    def save_model(self, request, obj, form, change):
        try:
            audited_save(obj=obj, actor=request.user, request=request)
        except DomainError as exc:
            messages.error(request, str(exc))
