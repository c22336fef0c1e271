"""The forms of the notifications: HR's channel (its secrets write-only) and a user's preference."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from notifications.models import Channel, ChannelKind, Preference


class ChannelForm(forms.ModelForm):
    """The webhook address and the signing secret are write-only: never shown again; left blank on an edit they keep
    what was saved."""

    webhook_url = forms.CharField(
        label=_("webhook address"),
        max_length=500,
        required=False,
        validators=[URLValidator(schemes=["http", "https"])],
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("The robot's webhook address; not shown again after saving. Leave blank to keep the saved one."),
    )
    secret = forms.CharField(
        label=_("signing secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "DingTalk and Feishu: the secret of the robot's signature check (加签 / 签名校验); not shown again after "
            "saving. Leave blank to keep the saved one."
        ),
    )
    secret_clear = forms.BooleanField(label=_("remove the saved signing secret"), required=False)

    class Meta:
        model = Channel
        fields = ["name", "kind", "webhook_url", "secret", "secret_clear", "active"]

    def clean_webhook_url(self) -> str:
        url = (self.cleaned_data.get("webhook_url") or "").strip()
        if not url:
            if not self.instance.pk:
                raise forms.ValidationError(_("Give the robot's webhook address."))
            return self.instance.webhook_url
        return url

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        secret = (cleaned.get("secret") or "").strip()
        if cleaned.get("secret_clear"):
            cleaned["secret"] = ""
        elif not secret and self.instance.pk:
            cleaned["secret"] = self.instance.secret
        else:
            cleaned["secret"] = secret
        return cleaned


class PreferenceForm(forms.Form):
    """A user's choice of channel, their handle there and the language of their messages."""

    kind = forms.ChoiceField(label=_("channel"))
    handle = forms.CharField(
        label=_("mobile or user id"),
        max_length=64,
        required=False,
        help_text=_("Your mobile number (WeCom, DingTalk) or user id (Feishu), so that the robot @-mentions you."),
    )
    language = forms.ChoiceField(label=_("language of messages"), required=False)

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        labels = dict(ChannelKind.choices)
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in kinds]
        self.fields["language"].choices = [
            ("", _("the site's language")),
            *Preference._meta.get_field("language").choices,
        ]

    def add_service_error(self, error: ValidationError) -> None:
        """Show the service's refusal next to the fields it names, the rest above the form."""
        if hasattr(error, "error_dict"):
            for name, errors in error.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error.messages)
