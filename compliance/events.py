"""Event types of CONTRACT §2: one frozen, extra-forbidding pydantic model per type's `data`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from timelines.span import check_in_span

USPS_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()
)

# Every date a case carries must be countable on the business-day calendar (CONTRACT §4).
LegalDate = Annotated[date, AfterValidator(check_in_span)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Ident = Annotated[str, Field(min_length=1, max_length=200)]

LossMitOption = Literal[
    "loan_modification",
    "trial_modification",
    "forbearance",
    "repayment_plan",
    "payment_deferral",
    "short_sale",
    "deed_in_lieu",
]


class EventData(BaseModel):
    """Base of every payload: immutable, and unknown fields are an error, never silently kept."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Empty(EventData):
    """A fact that needs no fields beyond its type and date."""


# --- Case and loan status --------------------------------------------------------------------------------


class CaseOpened(EventData):
    loan_id: Ident
    borrower_ref: Ident
    property_state: str
    timezone: str = "America/New_York"
    principal_residence: bool = True
    lien_position: Literal["first", "subordinate"] = "first"
    small_servicer: bool = False
    fdcpa_debt_collector: bool = False
    investor: Literal["fannie_mae", "freddie_mac", "fha", "va", "usda", "portfolio", "private"] | None = None

    @field_validator("property_state")
    @classmethod
    def _usps(cls, value: str) -> str:
        if value not in USPS_STATES:
            raise ValueError(f"{value!r} is not a USPS state or territory code")
        return value

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone") from exc
        return value


class CaseAssigned(EventData):
    team: Ident
    staff_id: Ident
    manager_id: Ident


class CaseClosed(EventData):
    reason: Literal[
        "cured", "modified", "paid_off", "short_sale", "deed_in_lieu", "foreclosed", "transferred_out", "other"
    ]


class Installment(EventData):
    due_date: LegalDate


class BankruptcyFiled(EventData):
    chapter: Literal[7, 11, 12, 13]
    petition_date: LegalDate


class BankruptcyEnded(EventData):
    how: Literal["dismissed", "discharged", "closed", "relief_from_stay"]


class ServicingTransferred(EventData):
    direction: Literal["in", "out"]
    transfer_date: LegalDate


class SaleScheduled(EventData):
    sale_date: LegalDate


# --- Contacts and notices ---------------------------------------------------------------------------------


class ContactLogged(EventData):
    channel: Literal["phone", "in_person", "email", "text", "letter", "portal"]
    direction: Literal["outbound", "inbound"]
    outcome: Literal["live_contact", "left_message", "no_answer", "busy", "wrong_number", "delivered", "returned"]
    party: Literal["borrower", "co_borrower", "authorized_third_party", "attorney"]
    staff_id: Ident
    summary: Text | None = None
    borrower_timezone: str | None = None

    @field_validator("borrower_timezone")
    @classmethod
    def _iana(cls, value: str | None) -> str | None:
        return None if value is None else CaseOpened._iana(value)


class PersonnelAssigned(EventData):
    staff_id: Ident


class NoteAdded(EventData):
    text: Text


# --- Loss mitigation --------------------------------------------------------------------------------------


class Application(EventData):
    application_id: Ident


class ApplicationAcknowledged(Application):
    complete: bool
    missing_items: list[Text] = Field(default_factory=list)
    return_by: LegalDate | None = None


class DocumentsReceived(Application):
    items: list[Text] = Field(default_factory=list)


class ApplicationCompleted(Application):
    facially: bool = False


class ShortTermOffered(Application):
    option: Literal["forbearance", "repayment_plan"]


class ShortTermNoticeSent(Application):
    option: Literal["forbearance", "repayment_plan"] | None = None


class EvaluationDecided(Application):
    outcome: Literal["offer", "denial"]
    options_offered: list[LossMitOption] = Field(default_factory=list)
    options_denied: list[LossMitOption] = Field(default_factory=list)
    denial_reasons: list[Text] = Field(default_factory=list)
    loan_modification_denied: bool = False
    acceptance_deadline: LegalDate | None = None


class OfferAnswered(EventData):
    option: LossMitOption
    application_id: Ident | None = None


class AppealDecided(Application):
    outcome: Literal["upheld", "reversed"]


class OptionLifecycle(EventData):
    option: LossMitOption
    application_id: Ident | None = None


# --- Errors and information requests ----------------------------------------------------------------------


class Request(EventData):
    request_id: Ident


class ErrorNoticeReceived(Request):
    category: Literal["payoff", "foreclosure", "other"]


class InformationRequestReceived(Request):
    category: Literal["owner_identity", "other"]


# --- Corrections and system facts -------------------------------------------------------------------------


class Replacement(EventData):
    occurred_at: str | None = None
    data: dict[str, object] | None = None


class EntryCorrected(EventData):
    corrects: Ident
    reason: Text
    replacement: Replacement


class EntryVoided(EventData):
    voids: Ident
    reason: Text


class DeadlineBreached(EventData):
    clock_id: Ident
    rule: Ident
    due: LegalDate


class AlertAcknowledged(EventData):
    alert_id: Ident


DATA_MODELS: dict[str, type[EventData]] = {
    "case_opened": CaseOpened,
    "case_assigned": CaseAssigned,
    "case_closed": CaseClosed,
    "payment_missed": Installment,
    "installment_paid": Installment,
    "bankruptcy_filed": BankruptcyFiled,
    "bankruptcy_ended": BankruptcyEnded,
    "cease_communication_received": Empty,
    "servicing_transferred": ServicingTransferred,
    "foreclosure_sale_scheduled": SaleScheduled,
    "foreclosure_sale_cancelled": Empty,
    "first_notice_or_filing_made": Empty,
    "foreclosure_motion_filed": Empty,
    "foreclosure_sale_held": Empty,
    "contact_logged": ContactLogged,
    "early_intervention_notice_sent": Empty,
    "personnel_assigned": PersonnelAssigned,
    "note_added": NoteAdded,
    "application_received": Application,
    "application_acknowledged": ApplicationAcknowledged,
    "application_documents_received": DocumentsReceived,
    "application_completed": ApplicationCompleted,
    "additional_information_requested": Application,
    "complete_application_notice_sent": Application,
    "third_party_delay_notice_sent": Application,
    "short_term_option_offered": ShortTermOffered,
    "short_term_option_notice_sent": ShortTermNoticeSent,
    "evaluation_decided": EvaluationDecided,
    "offer_accepted": OfferAnswered,
    "offer_rejected": OfferAnswered,
    "appeal_received": Application,
    "appeal_decided": AppealDecided,
    "option_started": OptionLifecycle,
    "option_completed": OptionLifecycle,
    "option_failed": OptionLifecycle,
    "error_notice_received": ErrorNoticeReceived,
    "error_notice_acknowledged": Request,
    "error_response_extended": Request,
    "error_notice_resolved": Request,
    "information_request_received": InformationRequestReceived,
    "information_request_acknowledged": Request,
    "information_request_extended": Request,
    "information_request_answered": Request,
    "entry_corrected": EntryCorrected,
    "entry_voided": EntryVoided,
    "deadline_breached": DeadlineBreached,
    "alert_acknowledged": AlertAcknowledged,
}

EVENT_TYPES = frozenset(DATA_MODELS)

# Types whose occurred_at must be a timestamp, not a plain date (CONTRACT §2: contact checks need the time).
TIMESTAMP_REQUIRED = frozenset({"contact_logged"})

# Current schema_version per type; old versions are upcast on read (see compliance.envelope.upcast).
SCHEMA_VERSIONS: dict[str, int] = dict.fromkeys(DATA_MODELS, 1)

# Types only the service itself may record (the `system` actor); clients cannot append them.
SYSTEM_TYPES = frozenset({"deadline_breached"})
