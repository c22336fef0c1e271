"""The last line of defence in Python: an approved or exported pay statement is never saved changed or deleted.

Services refuse first with a clear message; these receivers catch any other path that calls save() or delete()
(a shell, a careless admin customisation). The database trigger of migration 0002 catches QuerySet.update().
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from incentives.models import PayStatement

# The one change a locked statement may still undergo: approved → exported, stamped with the export time.
EXPORT_FIELDS = {"state", "exported_at"}


def _changed_fields(stored: PayStatement, instance: PayStatement) -> set[str]:
    return {
        field.attname
        for field in PayStatement._meta.concrete_fields
        if getattr(stored, field.attname) != getattr(instance, field.attname)
    }


@receiver(pre_save, sender=PayStatement, dispatch_uid="incentives.pay_statement_locked_save")
def pay_statement_refuse_locked_save(sender: type, instance: PayStatement, raw: bool = False, **kwargs: object) -> None:
    if raw or instance.pk is None:
        return
    stored = PayStatement.objects.filter(pk=instance.pk).first()
    if stored is None or stored.state == PayStatement.State.DRAFT:
        return
    changed = _changed_fields(stored, instance)
    exporting = stored.state == PayStatement.State.APPROVED and instance.state == PayStatement.State.EXPORTED
    if changed and not (exporting and changed <= EXPORT_FIELDS):
        raise ValidationError(
            _("Pay statement %(pk)s is %(state)s and locked; a correction is a new adjusting statement.")
            % {"pk": instance.pk, "state": stored.get_state_display()}
        )


@receiver(pre_delete, sender=PayStatement, dispatch_uid="incentives.pay_statement_locked_delete")
def pay_statement_refuse_locked_delete(sender: type, instance: PayStatement, **kwargs: object) -> None:
    stored_state = PayStatement.objects.filter(pk=instance.pk).values_list("state", flat=True).first()
    if stored_state is not None and stored_state != PayStatement.State.DRAFT:
        raise ValidationError(
            _("Pay statement %(pk)s is approved and locked; it cannot be deleted.") % {"pk": instance.pk}
        )
