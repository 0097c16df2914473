from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.accounts.models import OrgUnit
from anxin.core.languages import Language
from anxin.core.models import PublicIdMixin, TimeStampedModel


class Customer(PublicIdMixin, TimeStampedModel):
    """B1: who asks for service — a household (person) or an organisation.

    `site` is the org unit that owns the archive; it decides who may see it (J1).
    `search_text` is a derived, lower-cased concatenation of name, address and contact names,
    rewritten by the services on every change.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    class Tier(models.TextChoices):
        DIAMOND = "diamond", _("Diamond")
        GOLD = "gold", _("Gold")
        SILVER = "silver", _("Silver")
        BASIC = "basic", _("Basic")
        A5 = "5A", "5A"
        A4 = "4A", "4A"
        A3 = "3A", "3A"
        A2 = "2A", "2A"
        A1 = "1A", "1A"

    class Channel(models.TextChoices):
        """How the customer hears about their orders (I1). Automatic: by email for an order that came by email or a
        customer with an address and no mobile, else by SMS."""
        AUTO = "", _("Automatic")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        WECHAT = "wechat", _("WeChat")

    Language = Language  # A12: the same list as the agents' skills (core.languages)

    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=100)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.BASIC)
    preferred_language = models.CharField(_("preferred language"), max_length=5, choices=Language.choices,
                                          default=Language.ZH)
    preferred_channel = models.CharField(_("messages by"), max_length=10, choices=Channel.choices, blank=True,
                                         default=Channel.AUTO)
    # the customer's OpenID with the service account, from the portal's WeChat sign-in (never typed by staff)
    wechat_openid = models.CharField(_("WeChat OpenID"), max_length=64, blank=True, editable=False)
    site = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="customers", verbose_name=_("site"))
    province = models.CharField(_("province"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=20, blank=True)
    district = models.CharField(_("district"), max_length=20, blank=True)
    street = models.CharField(_("street"), max_length=50, blank=True)
    number = models.CharField(pgettext_lazy("street address", "number"), max_length=20, blank=True)
    address_detail = models.CharField(_("building / room"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # where technicians go (C2 travel); from a map pick or a geocoder, WGS-84
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    search_text = models.TextField(blank=True, default="", editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        # email intake (A6) finds the customer by the sender's address
        indexes = [models.Index(fields=["email"], name="customer_email")]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("view_full_phone", _("Can see full phone numbers")),
            ("import_customers", _("Can import customers from Excel")),
            ("export_customers", _("Can export customers")),
            # the tier decides complaint routing (VIP green channel): not every editor may change it
            ("change_tier", _("Can change a customer's tier")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        city = "" if self.city == self.province else self.city
        return f"{self.province}{city}{self.district}{self.street}{self.number}{self.address_detail}"


class Contact(TimeStampedModel):
    """A phone number of a customer, stored in E.164; `last4` serves "find by last four digits"."""

    class Kind(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        HOME = "home", pgettext_lazy("phone type", "Home")
        OFFICE = "office", _("Office")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("contact name"), max_length=50, blank=True)
    kind = models.CharField(_("phone type"), max_length=10, choices=Kind.choices, default=Kind.MOBILE)
    phone = models.CharField(_("phone"), max_length=32, db_index=True)
    last4 = models.CharField(max_length=4, db_index=True, editable=False)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [models.UniqueConstraint(fields=["customer", "phone"], name="contact_unique_phone_per_customer")]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} {self.kind}"


class Asset(PublicIdMixin, TimeStampedModel):
    """B2/S2: a product the customer owns, with the fields of the 客户服务档案 form."""

    class Use(models.TextChoices):
        PRIVATE = "private", _("Private")
        PUBLIC = "public", _("Public")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="assets")
    name = models.CharField(_("product"), max_length=60)
    maker = models.CharField(_("maker"), max_length=60, blank=True)
    brand = models.CharField(_("brand"), max_length=60, blank=True)
    model = models.CharField(_("model"), max_length=60, blank=True)
    spec = models.CharField(_("specification"), max_length=60, blank=True)
    colour = models.CharField(_("colour / pattern"), max_length=30, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    serial_no = models.CharField(_("serial / barcode"), max_length=60, blank=True, db_index=True)
    purchased_on = models.DateField(_("purchase date"), null=True, blank=True)
    use = models.CharField(_("use"), max_length=10, choices=Use.choices, default=Use.PRIVATE)
    warranty_ends_on = models.DateField(_("warranty end"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    service_interval_days = models.PositiveIntegerField(_("service interval (days)"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")

    def __str__(self) -> str:
        return " ".join(p for p in (self.brand, self.name, self.model) if p)

    def is_under_warranty(self, on) -> bool:
        return self.warranty_ends_on is not None and on <= self.warranty_ends_on
