from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from demo.seed import DemoSeedResult, demo_data_seed


class Command(BaseCommand):
    help = (
        "Create a demo store, a platform admin and three golfers with 90 days of practice "
        "shots. Safe to run again: it creates only what is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off. The demo passwords are public: never on a real site.",
        )

    def handle(self, *args: Any, quiet: bool, allow_production: bool, **options: Any) -> None:
        # The admin account's password is printed in the README; on a site
        # reachable by others that is an open door.
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "seed_demo creates accounts with published passwords, including a superuser, "
                "so it runs only with DEBUG on. Pass --allow-production to run it anyway."
            )
        result = demo_data_seed()
        if not quiet:
            self._report(result)

    def _report(self, result: DemoSeedResult) -> None:
        if result.created_anything:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data created: {'the store, ' if result.created_store else ''}"
                    f"{len(result.created_users)} accounts, {result.created_links} store links, "
                    f"{result.created_shots} shots."
                )
            )
        else:
            self.stdout.write("Demo data already present; nothing created.")

        rows = [("username", "password", "account")]
        rows += [(login.username, login.password, login.account) for login in result.logins]
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        self.stdout.write("")
        self.stdout.write(
            f"Log in at {reverse('login')} (the admin also at {reverse('admin:index')}):"
        )
        for index, (username, password, account) in enumerate(rows):
            line = f"  {username:<{widths[0]}}  {password:<{widths[1]}}  {account}"
            self.stdout.write(self.style.MIGRATE_HEADING(line) if index == 0 else line)
        self.stdout.write("Passwords are set only when an account is created.")
