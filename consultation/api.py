"""The public JSON API of consultations (no account, no session):

- ``GET  /api/consultations/?plan=<slug>``: the consultations of published plans;
- ``GET  /api/consultations/{id}/form/``: what a client needs to show a comment form (signed
  form token, limits, privacy notice, a challenge when one is due);
- ``GET  /api/consultations/{id}/privacy/``: the privacy notice;
- ``POST /api/consultations/{id}/comments/``: submit an opinion -> 201 {id, receipt_code};
- ``GET  /api/consultations/{id}/comments/published/``: published opinions as GeoJSON;
- ``GET  /api/receipts/{code}/``: state and published answer of one opinion.

CSRF: these views authenticate nobody (``authentication_classes = []``), so DRF applies no
CSRF check, and a forged cross-site request could not act for anyone anyway: there is no
session or account to borrow. What protects submission is the signed form token, the
honeypot, the rate limits and the challenge (consultation/abuse.py). The POST takes JSON only,
which browsers cannot send cross-site without a CORS preflight this API never grants. The HTML
form (consultation/public_views.py) posts to a page view with Django's CSRF check.
"""

import json
from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException, NotFound, ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from consultation import abuse
from consultation.change_links import public_changes_of, reply_of
from consultation.comment_context import comment_context
from consultation.models import Consultation, Stance
from consultation.photos import max_bytes, max_request_bytes
from consultation.privacy import privacy_notice
from consultation.public_serializers import (
    CommentSubmissionSerializer,
    ErrorsSerializer,
    RefusalSerializer,
    SubmittedSerializer,
    form_limits,
)
from consultation.published import published_collection
from consultation.receipts import find_receipt, receipt_payload
from consultation.submission import IDEMPOTENCY_KEY, consultation_for_submission, submit
from planportal.api import AcceptLanguageMixin
from planportal.api_errors import NOT_FOUND, UNSUPPORTED_MEDIA_TYPE, invalid
from planportal.clients import client_from_meta

# JSON around a photo: the base64 photo itself plus room for the text fields.
JSON_OVERHEAD_BYTES = 64 * 1024


def get_public_consultation(pk: int) -> Consultation:
    return get_object_or_404(Consultation.objects.public(), pk=pk)


class PayloadTooLarge(APIException):
    status_code = 413
    default_detail = "The request is too large."
    default_code = "too_large"


class CommentJSONParser(BaseParser):
    """JSON with its own size limit, sized for the photo a comment may carry
    (COMMENT_PHOTO_MAX_BYTES as base64, plus the text fields) rather than Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE, which DRF's JSONParser would apply (it reads request.body).
    Read from the stream with a bound, so it also holds for a body without Content-Length."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = (max_bytes() + 2) // 3 * 4 + JSON_OVERHEAD_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge()
        return comment_fields(raw)


def comment_fields(raw: bytes) -> dict:
    """The fields of a comment's JSON body; ParseError when it is not a JSON object."""
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError) as error:
        raise ParseError(f"JSON parse error - {error}") from None
    if not isinstance(data, dict):  # the fields are read from an object
        raise ParseError(
            _("Invalid data. Expected a dictionary, but got {datatype}.").format(
                datatype=type(data).__name__
            )
        )
    return data


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


class PublicAPIView(AcceptLanguageMixin, APIView):
    authentication_classes = []
    permission_classes = []


# -- consultations --------------------------------------------------------------------------


class ConsultationSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    is_open = serializers.BooleanField(read_only=True)
    state = serializers.SerializerMethodField(help_text="upcoming, open or closed")
    period_days = serializers.IntegerField(
        read_only=True, help_text="days counted from the day after the opening to the last day"
    )
    period_text = serializers.CharField(
        read_only=True, help_text="the period as the pages show it, e.g. 2026-12-06 起至 …"
    )
    urls = serializers.SerializerMethodField()

    class Meta:
        model = Consultation
        fields = [
            "id",
            "plan",
            "title",
            "opens_at",
            "closes_at",
            "is_open",
            "state",
            "period_days",
            "period_text",
            "notice",
            "contact",
            "show_published_comments",
            "urls",
        ]

    def get_state(self, consultation: Consultation) -> str:
        return consultation.phase

    def get_urls(self, consultation: Consultation) -> dict[str, str]:
        return consultation_urls(consultation)


def consultation_urls(consultation: Consultation) -> dict[str, str]:
    pk = consultation.pk
    return {
        "form": reverse("api-consultation-form", args=[pk]),
        "privacy": reverse("api-consultation-privacy", args=[pk]),
        "comments": reverse("api-consultation-comments", args=[pk]),
        "published": reverse("api-consultation-published", args=[pk]),
    }


class ConsultationQuerySerializer(serializers.Serializer):
    plan = serializers.SlugField(required=False, allow_blank=True, help_text="the plan's slug")


class ConsultationListView(PublicAPIView):
    @extend_schema(
        parameters=[ConsultationQuerySerializer],
        responses={
            200: ConsultationSerializer(many=True),
            400: invalid("plan is not a slug"),
        },
    )
    def get(self, request):
        """Consultations of published plans, the latest first; ``?plan=<slug>`` for one plan.
        Comments are accepted only while ``is_open``."""
        query = ConsultationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        consultations = Consultation.objects.public()
        if query.validated_data.get("plan"):
            consultations = consultations.filter(plan__slug=query.validated_data["plan"])
        return Response(ConsultationSerializer(consultations, many=True).data)


# -- the form -------------------------------------------------------------------------------


class PrivacyNoticeSerializer(serializers.Serializer):
    controller = serializers.CharField()
    contact = serializers.CharField()
    retention_days = serializers.IntegerField()
    paragraphs = serializers.ListField(child=serializers.CharField())


class FormSerializer(serializers.Serializer):
    consultation = serializers.IntegerField()
    is_open = serializers.BooleanField()
    form_token = serializers.CharField(help_text="send back as form_token")
    min_fill_seconds = serializers.FloatField(help_text="the token is accepted after this")
    limits = serializers.DictField()
    stances = serializers.ListField(child=serializers.DictField())
    privacy = PrivacyNoticeSerializer()
    challenge = serializers.DictField(allow_null=True, help_text="solve before submitting")


class ConsultationFormView(PublicAPIView):
    @extend_schema(responses={200: FormSerializer, 404: NOT_FOUND})
    def get(self, request, pk: int):
        """Everything a comment form needs. ``challenge`` is set when this client is near its
        limit: send ``challenge`` (its token) and ``challenge_solution`` with the comment."""
        consultation = get_public_consultation(pk)
        client = client_from_meta(request.META)
        usage = abuse.count_usage(client, "", lock=False)
        return Response(
            {
                "consultation": consultation.pk,
                "is_open": consultation.is_open,
                "form_token": abuse.issue_form_token(consultation.pk),
                "min_fill_seconds": float(settings.COMMENT_MIN_FILL_SECONDS),
                "limits": form_limits(),
                "stances": [{"code": code, "label": label} for code, label in Stance.choices],
                "privacy": privacy_notice(consultation),
                "challenge": abuse.issue_challenge(client) if abuse.challenge_due(usage) else None,
            }
        )


class PrivacyNoticeView(PublicAPIView):
    @extend_schema(responses={200: PrivacyNoticeSerializer, 404: NOT_FOUND})
    def get(self, request, pk: int):
        """Who collects what, why, for how long, what is published, and whom to ask."""
        return Response(privacy_notice(get_public_consultation(pk)))


# -- submitting -----------------------------------------------------------------------------


class JSONAnswer(DefaultContentNegotiation):
    """The submission answers in JSON, its only renderer, whatever Accept asks for: DRF's
    reading of the Accept header was 3% of a comment's CPU, to end in the same choice (or in
    a 406 that helps no phone)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


class CommentSubmitView(PublicAPIView):
    parser_classes = [CommentJSONParser]
    content_negotiation_class = JSONAnswer
    # Refused from its Content-Length before the parser reads anything (planportal.middleware).
    max_body_bytes = staticmethod(max_request_bytes)

    @extend_schema(
        request=CommentSubmissionSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                pattern=IDEMPOTENCY_KEY.pattern,
                description="8-100 characters; the same POST with the same key makes one "
                "comment and answers with the same receipt",
            )
        ],
        responses={
            201: SubmittedSerializer,
            400: OpenApiResponse(ErrorsSerializer, description="messages per field"),
            403: OpenApiResponse(RefusalSerializer, description="the consultation is not open"),
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorsSerializer, description="key reused for another text"),
            413: OpenApiResponse(RefusalSerializer, description="request too large"),
            415: UNSUPPORTED_MEDIA_TYPE,
            428: OpenApiResponse(RefusalSerializer, description="solve the challenge first"),
            429: OpenApiResponse(RefusalSerializer, description="rate limit; see Retry-After"),
        },
    )
    def post(self, request, pk: int):
        """Submit an opinion. Needs the ``form_token`` of the form endpoint, a body, a stance
        and ``consent_privacy: true``; points at a section, a feature of the published map, a
        drawn place or (none of them) the plan as a whole."""
        consultation, version, sections = consultation_for_submission(pk)
        if consultation is None:
            raise NotFound()
        answer = submission_answer(consultation, version, sections, request.data, request)
        return Response(answer.payload, status=answer.status, headers=answer.headers)


@dataclass(frozen=True)
class SubmissionAnswer:
    payload: dict
    status: int
    headers: dict[str, str] | None


def submission_answer(
    consultation: Consultation, version, sections: dict[str, int], data: dict, request
) -> SubmissionAnswer:
    """What a comment POST is answered with: 201 with its receipt (the first one's for a
    repeat with the same Idempotency-Key), or the refusal. The same for the view above and
    for the fast path in front of Django (consultation/fastpath.py)."""
    try:
        submitted = submit(
            consultation,
            data,
            client=client_from_meta(request.META),
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            version=version,
            sections=sections,
        )
    except abuse.Rejected as rejected:
        return SubmissionAnswer(rejected.payload, rejected.status, rejected.headers)
    comment = submitted.comment
    receipt_url, receipt_page = receipt_addresses(comment.receipt_code)
    headers = {"Location": receipt_url}
    if submitted.replayed:
        headers["Idempotent-Replayed"] = "true"
    payload = {
        "id": comment.pk,
        "receipt_code": comment.receipt_code,
        "receipt_url": receipt_url,
        "receipt_page": receipt_page,
    }
    return SubmissionAnswer(payload, 201, headers)


_RECEIPT_CODE = "0RECEIPTCODE0"  # a stand-in no address contains otherwise
_receipt_templates: dict[tuple[str, str], tuple[str, str]] = {}


def receipt_addresses(code: str) -> tuple[str, str]:
    """The receipt's API address and its page (in the request's language), as ``reverse``
    gives them, from templates reversed once per script prefix and language: two reverse
    calls were 2.5% of a comment's CPU. A receipt code is letters and digits
    (consultation.models.new_receipt_code), which an address carries as they are; anything
    else is reversed."""
    if not (code.isascii() and code.isalnum()):
        return reverse("api-receipt", args=[code]), reverse("receipt-page", args=[code])
    key = (get_script_prefix(), get_language())
    templates = _receipt_templates.get(key)
    if templates is None:
        templates = _receipt_templates[key] = (
            reverse("api-receipt", args=[_RECEIPT_CODE]),
            reverse("receipt-page", args=[_RECEIPT_CODE]),
        )
    return tuple(template.replace(_RECEIPT_CODE, code) for template in templates)


# -- reading ---------------------------------------------------------------------------------


class PublishedCommentsView(PublicAPIView):
    @extend_schema(
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="GeoJSON FeatureCollection; each feature's properties: id, "
                "received, stance, stance_label, name, body, target {type: section|feature|"
                "drawn|plan, ...}, villages, control_lines, reply {result, result_label, "
                "reason, answered_at} or null. geometry: the drawn place, a point on the "
                "feature of a downloadable layer, else null.",
            ),
            404: NOT_FOUND,
        }
    )
    def get(self, request, pk: int):
        """Published opinions and their published answers, when the consultation shows them.
        No contact details; the name only with its own consent, otherwise "Villager"."""
        return Response(published_collection(get_public_consultation(pk)))


class ReceiptView(PublicAPIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: RefusalSerializer})
    def get(self, request, code: str):
        """The state of an opinion and, once published, the official answer. Nothing personal:
        no name, contact details, photo or text. ``made_on``: the version commented on, the
        section as it then read and, once a later version changed or removed it, ``fate``
        with links to the change; ``led_to``: the changes a published 采纳 / 部分采纳 answer led
        to (由此修改), as the receipt page shows them."""
        comment = find_receipt(code)
        if comment is None:
            raise NotFound(_not_found())
        return Response(
            receipt_payload(comment)
            | {
                "made_on": comment_context(comment),
                "led_to": public_changes_of(reply_of(comment)),
            }
        )


def _not_found() -> str:
    return _("No opinion has this receipt code. Please check the code.")
