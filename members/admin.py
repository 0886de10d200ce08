from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from members import naming
from members.models import User


class MemberChangeForm(UserChangeForm):
    """The admin follows the same name rules as members' own forms (members/naming.py)."""

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean_display_name(self) -> str:
        return naming.clean_display_name(self.cleaned_data["display_name"], member=self.instance)

    def clean_handle(self) -> str:
        handle = naming.clean_handle(self.cleaned_data["handle"], member=self.instance)
        if User.objects.filter(handle=handle).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another member already uses this handle."))
        return handle


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = MemberChangeForm
    ordering = ["email"]
    list_display = ["email", "handle", "display_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "handle", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("handle", "display_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
