from django.core.management.base import BaseCommand

from anxin.accounts.models import OrgUnit
from anxin.devtools.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo company, customers and work orders (only into an empty database)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=200)
        parser.add_argument("--orders", type=int, default=500)

    def handle(self, *args, customers, orders, **options):
        if OrgUnit.objects.exists():
            self.stdout.write("Demo data not loaded: the database already has data.")
            return
        counts = load_demo(customers=customers, orders=orders)
        self.stdout.write(f"Loaded {counts}")
