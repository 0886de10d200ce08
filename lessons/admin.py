from django.contrib import admin

from lessons.models import Instrument, Provision


class ProvisionInline(admin.TabularInline):
    model = Provision
    extra = 0


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["short_title", "title", "year"]
    inlines = [ProvisionInline]
