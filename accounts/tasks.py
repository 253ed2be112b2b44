"""Celery tasks for accounts: emails that must not slow down (or time) the answer."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string

from accounts.models import User


@shared_task(acks_late=True)
def email_in_use_notice_send(*, new_holder_id: int) -> int:
    """Tell the owners of an address that another account now uses it. Returns emails sent."""
    new_holder = User.objects.filter(pk=new_holder_id).first()
    if new_holder is None or not new_holder.email:
        return 0
    others = list(
        User.objects.filter(email__iexact=new_holder.email, is_active=True)
        .exclude(pk=new_holder.pk)
        .order_by("pk")
    )
    if not others:
        return 0
    context = {
        "usernames": [other.get_username() for other in others],
        "new_username": new_holder.get_username(),
    }
    send_mail(
        subject=render_to_string("accounts/email_in_use_subject.txt", context).strip(),
        message=render_to_string("accounts/email_in_use_email.txt", context),
        from_email=None,
        recipient_list=[others[0].email],
    )
    return 1
