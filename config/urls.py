from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from core import views as core_views
from home import cycles, views

handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"

admin.site.site_header = settings.ADMIN_SITE_HEADER
admin.site.site_title = _("Account-manager system")
admin.site.index_title = _("HR administration")

report_patterns = [
    path("appraisal/<int:pk>/", views.appraisal_report, name="appraisal"),
    path("pay/<int:pk>/", views.pay_statement_report, name="pay_statement"),
    path("clients/", views.clients_export, name="clients"),
    path("cycle-results/", views.cycle_results_export, name="cycle_results"),
]

cycle_patterns = [
    path("", cycles.cycle_list, name="list"),
    path("<int:pk>/", cycles.cycle_detail, name="detail"),
    path("<int:pk>/open/", cycles.cycle_open_view, name="open"),
    path("<int:pk>/remind/", cycles.cycle_remind_view, name="remind"),
    path("<int:pk>/close/", cycles.cycle_close_view, name="close"),
    path("<int:pk>/pay/", cycles.cycle_pay_view, name="pay"),
]

urlpatterns = [
    path("", views.root, name="root"),
    path("home/", views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("jobs/<str:task_id>/", core_views.job_progress, name="job_progress"),
    path("reports/", include((report_patterns, "reports"))),
    path("cycles/", include((cycle_patterns, "cycles"))),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("managers/", include("managers.urls")),
    path("clients/", include("clients.urls")),
    path("appraisals/", include("appraisals.urls")),
    path("pay/", include("incentives.urls")),
    path("api/", include("api.urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
]
