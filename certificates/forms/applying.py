"""The application form (SPEC §4) and a new organization entered on it: every value
normalised, and what is wrong explained in words an applicant understands."""

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_countries import countries

from certificates import ids
from certificates.ca import csr as x509
from certificates.choices import CsrSource, DomainType, KeyAlgorithm
from certificates.domains import (
    from_typed,
    normalise,
    special_words_in,
    split_domains,
    unicode_form,
)
from certificates.exceptions import CSRError
from certificates.models import Certificate, Organization
from certificates.services.applications import CONTACT_FIELDS, Application

COUNTRY_CODES = frozenset(dict(countries))
PHONE_HELP = gettext_lazy("Enter the number in international format, such as +44 20 7946 0000.")


class OrganizationForm(forms.ModelForm):
    """A new organization entered on the application form (prefix "org")."""

    class Meta:
        model = Organization
        fields = [
            "legal_name",
            "country",
            "state",
            "city",
            "address",
            "registration_number",
            "phone",
        ]
        error_messages = {
            "phone": {"invalid": PHONE_HELP},
        }

    def __init__(self, *args, team, **kwargs) -> None:
        super().__init__(*args, instance=Organization(team=team), **kwargs)
        self.fields["phone"].widget.attrs["placeholder"] = "+44 20 7946 0000"
        # A number written the national way is read in the organization's country.
        country = str(self.data.get(self.add_prefix("country"), "")).upper()
        if country in COUNTRY_CODES:
            self.fields["phone"].region = country

    def clean(self) -> dict:
        cleaned = super().clean()
        existing = self.instance.team.organizations.filter(
            country=cleaned.get("country"), registration_number=cleaned.get("registration_number")
        ).first()
        if existing:
            raise forms.ValidationError(_already_saved(existing))
        return cleaned

    def save_new(self) -> Organization | None:
        """Save the organization; None, with the reason on the form, when another request
        saved the same one a moment ago (the look-up in clean() cannot see a request that
        races this one: the unique constraint decides)."""
        try:
            with transaction.atomic():
                return self.save()
        except IntegrityError:
            existing = self.instance.team.organizations.filter(
                country=self.cleaned_data.get("country"),
                registration_number=self.cleaned_data.get("registration_number"),
            ).first()
            self.add_error(None, _already_saved(existing) if existing else _("Try again."))
            return None


def _already_saved(existing: Organization) -> str:
    return _(
        "Your team already saved this organization as “%(name)s”: pick it from the list above."
    ) % {"name": existing.legal_name}


class ApplicationForm(forms.ModelForm):
    """Domains, CSR source and (OV/EV) organization and contacts of one application.

    With submitting=False (save as draft) nothing is required, but whatever is entered
    must be valid; with submitting=True the application must be complete.
    """

    primary_domain = forms.CharField(
        label=gettext_lazy("Primary domain"),
        max_length=1000,
        required=False,
        help_text=gettext_lazy("For example www.example.com; internationalised names are fine."),
    )
    additional_domains = forms.CharField(
        label=gettext_lazy("Additional domains"),
        required=False,
        max_length=30_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One per line."),
    )
    # An ACME order's CSR comes from its client, never from this form.
    csr_source = forms.ChoiceField(
        label=gettext_lazy("CSR"),
        choices=[(s.value, s.label) for s in (CsrSource.SYSTEM, CsrSource.OWN)],
        widget=forms.RadioSelect,
        initial=CsrSource.SYSTEM,
    )
    key_algorithm = forms.ChoiceField(
        label=gettext_lazy("Key algorithm"), choices=KeyAlgorithm.choices
    )
    csr_text = forms.CharField(
        label=gettext_lazy("Paste your CSR"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
    csr_file = forms.FileField(label=gettext_lazy("…or upload it"), required=False)
    organization = ids.ModelChoiceField(
        queryset=Organization.objects.none(),
        required=False,
        empty_label=gettext_lazy("A new organization (enter it below)"),
    )

    class Meta:
        model = Certificate
        fields = CONTACT_FIELDS
        error_messages = {
            "applicant_phone": {"invalid": PHONE_HELP},
            "technical_phone": {"invalid": PHONE_HELP},
        }

    def __init__(
        self, *args, submitting: bool = False, too_large: set[str] = frozenset(), **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        certificate = self.instance
        self.notes: list[str] = []  # what was read differently from how it was typed
        self.submitting = submitting
        self.too_large = too_large
        self.wildcard = certificate.domain_type == DomainType.WILDCARD
        self.needs_organization = certificate.product.needs_org_verification
        if certificate.domain_type != DomainType.MULTIPLE:
            del self.fields["additional_domains"]
        if self.needs_organization:
            self.fields["organization"].queryset = certificate.team.organizations.all()
        else:
            for name in ["organization", *CONTACT_FIELDS]:
                del self.fields[name]
        if not self.is_bound:
            names = certificate.domain_names
            self.initial.update(
                primary_domain=unicode_form(names[0]) if names else "",
                additional_domains="\n".join(unicode_form(name) for name in names[1:]),
                csr_source=certificate.csr_source,
                key_algorithm=certificate.key_algorithm,
                csr_text=certificate.csr_pem if certificate.csr_source == CsrSource.OWN else "",
                organization=certificate.organization_id or self._verified_organization(),
            )
        if self.wildcard:
            self.fields["primary_domain"].help_text = _("A wildcard name such as *.example.com.")
        # While typing, htmx asks the server how the domains read (apply.html#domain-check).
        check = {
            "hx-get": reverse("certificates:apply-check", args=[certificate.pk]),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": "#domain-check",
            "hx-swap": "outerHTML",
            "hx-include": "[name=primary_domain],[name=additional_domains]",
        }
        for name in ("primary_domain", "additional_domains"):
            if name in self.fields:
                self.fields[name].widget.attrs.update(check)
        # A CSR pasted or chosen fills in the domains it names (apply.html#domains).
        fill = {
            "hx-post": reverse("certificates:apply-csr", args=[certificate.pk]),
            "hx-target": "#domains",
            "hx-swap": "outerHTML",
            "hx-include": "[name=primary_domain],[name=additional_domains],[name=csr_source],"
            "[name=csr_text]",
        }
        self.fields["csr_text"].widget.attrs.update(
            fill, **{"hx-trigger": "input changed delay:500ms"}
        )
        self.fields["csr_file"].widget.attrs.update(
            fill,
            **{
                "hx-trigger": "change",
                "hx-encoding": "multipart/form-data",
                "hx-include": f"{fill['hx-include']},[name=csr_file]",
            },
        )

    def _verified_organization(self) -> int | None:
        """The team's most recently verified organization, which a new OV/EV application
        most likely is (and whose verification it may reuse); None without one."""
        if not self.needs_organization:
            return None
        verified = self.instance.team.organizations.exclude(verified_at=None)
        return verified.order_by("-verified_at").values_list("pk", flat=True).first()

    def _typed(self, raw: str) -> str:
        """The domain in what was typed; a pasted address is read, and the note says so."""
        text, note = from_typed(raw)
        if note:
            self.notes.append(note)
        return text

    def clean_primary_domain(self) -> str:
        raw = self.cleaned_data["primary_domain"]
        if not raw.strip():
            return ""  # required to submit, unless an own CSR names it (clean)
        name = normalise(self._typed(raw), wildcard_allowed=self.wildcard)
        if self.wildcard and not name.startswith("*."):
            raise forms.ValidationError(
                _("A wildcard certificate covers *.%(name)s: start the domain with *.")
                % {"name": name}
            )
        return name

    def clean_additional_domains(self) -> list[str]:
        raws = split_domains(self.cleaned_data["additional_domains"])
        slots = self.instance.additional_domain_slots
        names, errors = [], []
        for raw in raws:
            try:
                names.append(normalise(self._typed(raw), wildcard_allowed=self.wildcard))
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise forms.ValidationError(
                _("Listed twice: %(names)s.") % {"names": ", ".join(duplicates)}
            )
        if len(names) > slots:
            raise forms.ValidationError(
                ngettext(
                    "This certificate covers %(slots)d additional domain; remove %(extra)d.",
                    "This certificate covers %(slots)d additional domains; remove %(extra)d.",
                    slots,
                )
                % {"slots": slots, "extra": len(names) - slots}
            )
        return names

    def clean_csr_file(self):
        upload = self.cleaned_data["csr_file"]
        if "csr_file" in self.too_large:
            raise forms.ValidationError(
                _(
                    "That file is larger than %(limit)d KB; a CSR is a few kilobytes. Upload "
                    "the .csr file."
                )
                % {"limit": settings.SCM_MAX_CSR_BYTES // 1024}
            )
        if upload and upload.size > settings.SCM_MAX_CSR_BYTES:
            raise forms.ValidationError(
                _(
                    "That file has %(size)s bytes; a CSR is a few kilobytes (at most "
                    "%(limit)d KB). Upload the .csr file."
                )
                % {"size": f"{upload.size:,}", "limit": settings.SCM_MAX_CSR_BYTES // 1024}
            )
        return upload

    def clean_csr_text(self) -> str:
        text = self.cleaned_data["csr_text"].strip()
        if len(text.encode()) > settings.SCM_MAX_CSR_BYTES:
            raise forms.ValidationError(
                _("That is too long for a CSR (at most %(limit)d KB).")
                % {"limit": settings.SCM_MAX_CSR_BYTES // 1024}
            )
        return text

    def clean(self) -> dict:
        cleaned = super().clean()
        primary = cleaned.get("primary_domain", "")
        additional = cleaned.get("additional_domains", [])
        if primary and primary in additional:
            self.add_error(
                "additional_domains",
                _("%(name)s is already the primary domain.") % {"name": primary},
            )
        if cleaned.get("csr_source") == CsrSource.OWN:
            cleaned["csr_pem"] = self._clean_own_csr(primary, additional)
        if self.submitting:
            self._require_domains()
        if self.submitting and self.needs_organization:
            for name in ("applicant_name", "applicant_email", "applicant_phone"):
                if name in self.fields and not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("Required to submit: the CA contacts the applicant."))
        return cleaned

    def _require_domains(self) -> None:
        """To submit, the domains must be there: typed, or filled in from an own CSR."""
        if "primary_domain" not in self.errors and not self.cleaned_data.get("primary_domain"):
            self.add_error(
                "primary_domain", _("Enter the primary domain, such as www.example.com.")
            )
        if (
            "additional_domains" in self.fields
            and "additional_domains" not in self.errors
            and not self.cleaned_data.get("additional_domains")
        ):
            self.add_error("additional_domains", _("Enter at least one additional domain."))

    def _clean_own_csr(self, primary: str, additional: list[str]) -> str:
        upload = self.cleaned_data.get("csr_file")
        data = upload.read() if upload else self.cleaned_data.get("csr_text", "")
        field = "csr_file" if upload else "csr_text"
        if not data:
            # A CSR refused already (too long, too large) was pasted or chosen: one message.
            if self.submitting and not {"csr_file", "csr_text"} & set(self.errors):
                self.add_error(
                    "csr_text", _("Paste your CSR or upload it, or let us generate one.")
                )
            return ""
        try:
            csr = x509.load_csr(data)
            primary, additional = self._fill_from_csr(x509.csr_names(csr), primary, additional)
            x509.check_csr(csr, [primary, *additional] if primary else [])
        except CSRError as error:
            self.add_error(field, str(error))
            return ""
        return x509.csr_pem(csr)

    def _fill_from_csr(
        self, names: list[str], primary: str, additional: list[str]
    ) -> tuple[str, list[str]]:
        """The domains with the CSR's names the fields left out filled in, where the
        certificate has room for all of them (a CSR that names both domains need not be
        typed again); the note says which. Names that do not fit stay out, and the CSR's
        check says so."""
        if {"primary_domain", "additional_domains"} & set(self.errors):
            return primary, additional
        missing = [name for name in names if name != primary and name not in additional]
        try:
            missing = [normalise(name, wildcard_allowed=self.wildcard) for name in missing]
        except forms.ValidationError:
            return primary, additional  # not a name we issue for: check_csr explains
        filled = []
        if not primary and missing and (missing[0].startswith("*.") or not self.wildcard):
            primary = missing.pop(0)
            filled.append(primary)
        room = self.instance.additional_domain_slots - len(additional)
        if missing and "additional_domains" in self.fields and len(missing) <= room:
            additional = [*additional, *missing]
            filled += missing
        if filled:
            self.cleaned_data.update(primary_domain=primary, additional_domains=additional)
            # The fields show what is applied for when the form is shown again.
            self.data = self.data.copy()
            self.data["primary_domain"] = unicode_form(primary)
            self.data["additional_domains"] = "\n".join(unicode_form(n) for n in additional)
            shown = ", ".join(unicode_form(name) for name in filled)
            self.notes.append(_("Filled in from your CSR: %(names)s.") % {"names": shown})
        return primary, additional

    def application(self, organization: Organization | None) -> Application:
        data = self.cleaned_data
        return Application(
            primary_domain=data.get("primary_domain", ""),
            additional_domains=data.get("additional_domains", []),
            csr_source=CsrSource(data["csr_source"]),
            key_algorithm=KeyAlgorithm(data["key_algorithm"]),
            csr_pem=data.get("csr_pem", ""),
            organization=organization,
            contacts={name: data[name] for name in CONTACT_FIELDS if name in data},
        )

    def special_words(self) -> list[str]:
        """Special words in the domains entered so far (manual review warning)."""
        if not hasattr(self, "cleaned_data"):
            return special_words_in(self.instance.domain_names)
        names = [self.cleaned_data.get("primary_domain", "")]
        names += self.cleaned_data.get("additional_domains", []) or []
        return special_words_in([name for name in names if name])
