from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI

from anxin.accounts.api_auth import AUTH
from anxin.core.api import install_handlers
from anxin.customers.api import router as customers_router
from anxin.field.api import router as field_router
from anxin.intake.api import router as intake_router
from anxin.workorders.api import router as workorders_router

# The docs page needs a staff login (decisions.md): the schema names every endpoint and field, which helps an
# attacker more than a client — integrators get it from an administrator or log in.
api = NinjaAPI(title="Anxin API", version="1", auth=AUTH, urls_namespace="api", docs_decorator=login_required)
install_handlers(api)
api.add_router("/customers/", customers_router)
api.add_router("/workorders/", workorders_router)
api.add_router("/intake/", intake_router)
api.add_router("/field/", field_router)
