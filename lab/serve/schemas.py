"""Request and response models; a model's feature record is built from its schema.

Every feature may be ``null`` (a missing value, which the model handles and the
monitor counts); a value of the wrong type, NaN or infinity, a missing key and an
unknown key are rejected. Numbers are strict: ``"12"`` is not 12.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, NotRequired

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

MAX_BATCH = 1000
MAX_CATEGORY_CHARS = 200   # a category value is a label, not a document
MAX_BODY_BYTES = 4 * 1024 * 1024  # checked from Content-Length before the body is read
ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
RequestId = Annotated[str, Field(pattern=ID_PATTERN, description=(
    "A client-chosen id (idempotency key): sending it again answers with the stored "
    "prediction and stores nothing new."))]
RunId = Annotated[str, Field(pattern=ID_PATTERN, description=(
    "The traffic run (a walkthrough, an app session, a `driftlab run`) the predictions "
    "belong to."))]
ONE_OR_BATCH = (f"send either 'features' (one record) or 'batch' (a list of up to {MAX_BATCH} "
                "items), not both and not neither")
EventTime = Annotated[datetime | None, Field(
    strict=True,  # an ISO 8601 string, as the schema says; not a bare number
    description="When the event happened (monitoring windows use it); else the server's clock.")]


def _closed(name: str, fields: dict[str, Any], total: bool = True) -> type:
    # TypedDicts validate into plain dicts: a batch of 1000 records validates ~7x faster
    # than into model instances, and needs no model_dump() afterwards.
    cls = TypedDict(name, fields, total=total)
    cls.__pydantic_config__ = ConfigDict(extra="forbid")
    return cls


def record_type(model_name: str, features: list[dict[str, Any]]) -> type:
    """The type of one feature record, from a model card's feature list."""
    fields: dict[str, Any] = {}
    for f in features:
        doc = f.get("description", "")
        if f["kind"] == "numeric":
            unit = f" ({f['unit']})" if f.get("unit") else ""
            fields[f["name"]] = Annotated[float | None, Field(strict=True, allow_inf_nan=False,
                                                              description=doc + unit)]
        else:
            cats = ", ".join(f.get("categories", []))
            fields[f["name"]] = Annotated[str | None, Field(strict=True,
                                                            max_length=MAX_CATEGORY_CHARS,
                                                            description=f"{doc} Known: {cats}.")]
    safe = "".join(part.title() for part in model_name.replace("_", "-").split("-"))
    return _closed(f"{safe}Features", fields)


def request_adapter(model_name: str, features: list[dict[str, Any]]) -> TypeAdapter:
    """The body of ``POST /models/{name}/predict``: one record, or a batch of items.

    That exactly one of ``features`` and ``batch`` is sent is checked by the route.
    """
    record = record_type(model_name, features)
    item = _closed(f"{record.__name__}Item",
                   {"features": record, "event_time": NotRequired[EventTime],
                    "request_id": NotRequired[RequestId]})
    body = _closed(f"{record.__name__}Request", {
        "features": Annotated[record, Field(description="One record to score.")],
        "event_time": EventTime,
        "request_id": RequestId,
        "run": RunId,
        "batch": Annotated[list[item], Field(min_length=1, max_length=MAX_BATCH,
                                             description=f"Up to {MAX_BATCH} records.")],
    }, total=False)
    return TypeAdapter(body)


def request_doc_adapter(model_name: str, features: list[dict[str, Any]]) -> TypeAdapter:
    """The same body as the OpenAPI document states it: one record XOR a batch.

    (Validation uses :func:`request_adapter`, whose errors name fields more plainly; the
    route enforces the either/or that this schema states.)
    """
    record = record_type(model_name, features)
    item = _closed(f"{record.__name__}Item",
                   {"features": record, "event_time": NotRequired[EventTime],
                    "request_id": NotRequired[RequestId]})
    single = _closed(f"{record.__name__}One", {
        "features": Annotated[record, Field(description="One record to score.")],
        "event_time": NotRequired[EventTime], "request_id": NotRequired[RequestId],
        "run": NotRequired[RunId]})
    batch = _closed(f"{record.__name__}Batch", {
        "batch": Annotated[list[item], Field(min_length=1, max_length=MAX_BATCH,
                                             description=f"Up to {MAX_BATCH} records.")],
        "run": NotRequired[RunId]})
    return TypeAdapter(single | batch)


class Prediction(BaseModel):
    request_id: str
    score: float = Field(description="P(positive) from the model.")
    decision: int = Field(description="1 when the score is at or above the threshold.")
    version: int = Field(description="The model version that answered it (a canary's share "
                                     "is answered by the @challenger).")
    threshold: float = Field(description="The threshold of the version that answered it.")
    replayed: bool = Field(default=False, description="True when the request id was already "
                                                      "stored: this is the stored answer.")


class PredictResponse(Prediction):
    model: str
    version: int
    threshold: float
    unseen_categories: dict[str, str] = Field(
        default_factory=dict, description="Features whose value the model never saw.")


class BatchResponse(BaseModel):
    model: str
    version: int = Field(description="The @champion's version (in a canary, each prediction "
                                     "says which version answered it).")
    threshold: float = Field(description="The @champion's threshold.")
    predictions: list[Prediction]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _whole(value: Any) -> Any:
    # JSON Schema counts 1.0 as an integer; strings and booleans stay refused.
    return int(value) if isinstance(value, float) and value.is_integer() else value


class Label(_Closed):
    request_id: str
    label: Annotated[int, Field(ge=0, le=1, strict=True), BeforeValidator(_whole)]


class Feedback(_Closed):
    labels: list[Label] = Field(..., min_length=1, max_length=50_000)


class FeedbackResponse(BaseModel):
    updated: int
    unknown: list[str] = Field(description="Request ids that match no prediction of this model.")
    replaced: list[str] = Field(default_factory=list, description=(
        "Request ids whose earlier label this feedback overwrote."))


class FieldError(BaseModel):
    field: str
    reason: str


class ErrorResponse(BaseModel):
    detail: list[FieldError]


class Stats(BaseModel):
    model: str
    version: int
    run: str | None = Field(default=None, description="The run counted (all runs when null).")
    predictions: int = Field(description="Predictions logged in the store.")
    labelled: int = Field(description="Predictions whose true label has arrived.")
    alerts: int = Field(description="Predictions at or above the threshold.")
    errors_by_status: dict[str, int] = Field(description="Rejected requests by HTTP status.")
    latency_ms: dict[str, float | int | None] = Field(
        description="Server-side latency p50 and p99 over the last `window` predictions.")
    unseen_categories: dict[str, int] = Field(
        description="Predictions with a category the model never saw, by feature.")
