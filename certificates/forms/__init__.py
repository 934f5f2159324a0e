"""The console's forms, by page; the admin names ReasonForm and ConfirmRevocationForm by
their dotted path here (certificates/actions.py)."""

from certificates.forms.applying import ApplicationForm, OrganizationForm
from certificates.forms.buying import PurchaseForm, TestCertificateForm
from certificates.forms.lists import TABS, ListFilterForm
from certificates.forms.steps import ActionForm, ConfirmRevocationForm, ReasonForm, RenameForm

__all__ = [
    "TABS",
    "ActionForm",
    "ApplicationForm",
    "ConfirmRevocationForm",
    "ListFilterForm",
    "OrganizationForm",
    "PurchaseForm",
    "ReasonForm",
    "RenameForm",
    "TestCertificateForm",
]
