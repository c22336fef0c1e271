from django.contrib import admin

from config.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("name", "started_at", "finished_at", "duration", "status")
    list_filter = ("name", "status")
    search_fields = ("name", "task_id", "error")
    readonly_fields = ("name", "task_id", "started_at", "finished_at", "status", "result", "error")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
