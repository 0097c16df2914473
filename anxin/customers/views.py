import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from anxin.accounts import selectors as account_selectors
from anxin.audit.exports import xlsx_export
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError
from anxin.customers import selectors, services
from anxin.customers.forms import AssetForm, ContactForm, CustomerEditForm, CustomerForm, ImportForm
from anxin.intake import selectors as intake_selectors
from anxin.workorders import selectors as wo_selectors


def _import_customers(path, **kwargs):
    """openpyxl (28 MiB) loads when someone imports a file, not in every web worker."""
    from anxin.customers.importing import import_customers

    return import_customers(path, **kwargs)


@require_GET
@login_required
@permission_required("customers.view_customer", raise_exception=True)
def search(request):
    query = (request.GET.get("q") or "")[:100]
    results = selectors.customer_search(user=request.user, query=query, limit=50)
    rows = [{"customer": c, "phones": [selectors.phone_for_display(request.user, p.phone) for p in c.contacts.all()]}
            for c in results]
    template = "customers/customer_search.html#results" if request.htmx else "customers/customer_search.html"
    return render(request, template, {"q": query, "rows": rows})


@require_GET
@login_required
@permission_required("customers.export_customers", raise_exception=True)
def export(request):
    """B5/H4: the customers the search shows (all in scope without a query), phones masked per role."""
    query = (request.GET.get("q") or "")[:100]
    user = request.user

    def rows():
        for c in selectors.customer_search_qs(user=user, query=query).iterator(chunk_size=2000):
            phones = ", ".join(selectors.phone_for_display(user, p.phone) for p in c.contacts.all())
            yield (c.name, c.get_kind_display(), c.get_tier_display(), c.site.name, c.address, c.postcode, phones,
                   c.created_at)

    return xlsx_export(request=request, filename="customers", title=_("Customers"), rows=rows(),
                       headers=[_("Name"), _("Kind"), _("Tier"), _("Site"), _("Address"), _("Postcode"), _("Phone"),
                                _("Created")],
                       object_type="customers.customer", filters={"q": query})


@require_GET
@login_required
@permission_required("customers.view_customer", raise_exception=True)
def archive(request, public_id):
    user = request.user
    customer = selectors.customer_get_for(user=user, public_id=public_id)
    # J3: every view of an archive is logged.
    audit_record(actor=user, action="view", object_type="customers.customer", object_id=customer.public_id,
                 summary=customer.name, request=request)
    return render(request, "customers/customer_archive.html", {
        "customer": customer,
        "contacts": selectors.contacts_for_display(user, list(customer.contacts.all())),
        "assets": list(customer.assets.all()),
        "history": wo_selectors.history_for_customer(user=user, customer_id=customer.id),
        "contact_logs": intake_selectors.contactlog_recent_for_customer(user=user, customer_id=customer.id),
        "asset_form": AssetForm(),
        "contact_form": ContactForm(),
    })


@login_required
@permission_required("customers.add_customer", raise_exception=True)
def create(request):
    sites = account_selectors.site_list_for(user=request.user)
    form = CustomerForm(request.POST or None, sites=sites, initial={"phone": request.GET.get("phone", "")[:40]},
                        can_set_tier=request.user.has_perm("customers.change_tier"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contacts = [{"phone": data["phone"], "kind": data["phone_kind"], "name": data["contact_name"]}]
        if data["phone2"]:
            contacts.append({"phone": data["phone2"]})
        try:
            customer = services.customer_create(
                actor=request.user, site=account_selectors.orgunit_get_for(user=request.user, code=data["site"]),
                name=data["name"], kind=data["kind"], tier=data["tier"],
                preferred_language=data["preferred_language"], address_text=data["address_text"],
                address={"postcode": data["postcode"]}, contacts=contacts, notes=data["notes"], request=request,
            )
        except DomainError as exc:
            field = exc.extra.get("field")
            form.add_error(field if field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            next_url = request.POST.get("next") or ""
            if next_url.startswith("/intake/"):
                return redirect(f"{next_url}?customer={customer.public_id}")
            return redirect("customers:archive", public_id=customer.public_id)
    return render(request, "customers/customer_create.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
@permission_required("customers.change_customer", raise_exception=True)
def edit(request, public_id):
    customer = selectors.customer_get_for(user=request.user, public_id=public_id)
    form = CustomerEditForm(request.POST or None, instance=customer,
                            can_set_tier=request.user.has_perm("customers.change_tier"))
    if request.method == "POST" and form.is_valid():
        try:
            # the service, not the ModelForm, writes (audit with old → new)
            services.customer_update(customer=selectors.customer_get_for(user=request.user, public_id=public_id),
                                     actor=request.user, data=form.cleaned_data, request=request)
        except DomainError as exc:
            field = exc.extra.get("field")
            form.add_error(field if field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("customers:archive", public_id=customer.public_id)
    return render(request, "customers/customer_edit.html", {"form": form, "customer": customer})


@require_POST
@login_required
@permission_required("customers.change_customer", raise_exception=True)
def contact_add(request, public_id):
    customer = selectors.customer_get_for(user=request.user, public_id=public_id)
    form = ContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid phone number."))
    else:
        try:
            services.contact_add(customer=customer, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Saved."))
        except DomainError as exc:
            messages.error(request, str(exc))
    return redirect("customers:archive", public_id=customer.public_id)


@require_POST
@login_required
@permission_required("customers.change_customer", raise_exception=True)
def asset_create(request, public_id):
    customer = selectors.customer_get_for(user=request.user, public_id=public_id)
    form = AssetForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.asset_create(customer=customer, actor=request.user, name=data.pop("name"), **data)
            messages.success(request, _("Asset added."))
        except DomainError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Check the asset fields: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("customers:archive", public_id=customer.public_id)


@login_required
@permission_required("customers.import_customers", raise_exception=True)
def import_upload(request):
    """Upload → dry run with a row-by-row report → confirm. The file waits under var/imports."""
    report, token = None, None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.POST.get("confirm"):
        token = request.session.get("import_token")
        path = settings.VAR_DIR / "imports" / f"{token}.xlsx" if token else None
        if path is None or not path.exists() or request.POST.get("confirm") != token:
            messages.error(request, _("The uploaded file has expired. Upload it again."))
            return redirect("customers:import")
        try:
            report = _import_customers(path, actor=request.user, dry_run=False)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("customers:import")
        if report.ok:
            path.unlink(missing_ok=True)
            request.session.pop("import_token", None)
            messages.success(request, _("Imported %(c)d customers and %(a)d assets.")
                             % {"c": report.created_customers, "a": report.created_assets})
            return redirect("customers:search")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            form.add_error("file", _("The file is too large."))
        else:
            token = secrets.token_hex(12)
            folder = settings.VAR_DIR / "imports"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{token}.xlsx"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                report = _import_customers(path, actor=request.user, dry_run=True)
                request.session["import_token"] = token
            except DomainError as exc:
                path.unlink(missing_ok=True)
                form.add_error("file", str(exc))
    return render(request, "customers/customer_import.html", {"form": form, "report": report, "token": token})
