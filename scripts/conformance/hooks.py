"""Schemathesis hooks for scripts/api-conformance.

docs/openapi.json states every rule JSON Schema can state. A few rules of the
referral document cannot be: check digits (NHS number, UPN) and dates judged
against today (a date of birth in the past 25 years, a due date at most 10
months ahead, submittedAt not ahead of our clock). For those, the description
names a format and these strategies generate values that keep the rule, so that
schemathesis' valid cases are valid. Schemathesis also reuses times from earlier
answers (a lease's expiry, a deadline) wherever a date-time fits, so a
submittedAt ahead of now is put back to now before sending. References are
unique per agency (per referral for updates): a repeated one with a different
document is a correct 422, so each valid reference sent is made fresh.
"""
import datetime
import itertools
import re
import uuid

import schemathesis
from hypothesis import strategies as st

# Days before today (in any time zone) that generated dates fall within.
RECENT_DAYS = (2, 24 * 365)


@st.composite
def nhs_numbers(draw):
    while True:
        digits = draw(st.lists(st.integers(0, 9), min_size=9, max_size=9))
        check = (11 - sum(d * w for d, w in zip(digits, range(10, 1, -1))) % 11) % 11
        if check != 10:
            text = "".join(map(str, digits + [check]))
            return draw(st.sampled_from([text, f"{text[:3]} {text[3:6]} {text[6:]}"]))


UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


@st.composite
def upns(draw):
    body = draw(st.text("0123456789", min_size=11, max_size=11))
    last = draw(st.sampled_from("0123456789" + UPN_LETTERS))
    rest = body + last
    total = sum((i + 2) * (int(c) if c.isdigit() else UPN_LETTERS.index(c)) for i, c in enumerate(rest))
    return UPN_LETTERS[total % 23] + rest


def recent_dates():
    today = datetime.date.today()
    return st.integers(*RECENT_DAYS).map(lambda days: (today - datetime.timedelta(days=days)).isoformat())


def recent_times():
    now = datetime.datetime.now(datetime.timezone.utc)
    offsets = st.sampled_from([datetime.timedelta(0), datetime.timedelta(hours=1), datetime.timedelta(hours=-5, minutes=-30)])
    return st.tuples(st.integers(60, 3 * 86400), offsets).map(
        lambda pair: (now - datetime.timedelta(seconds=pair[0])).astimezone(datetime.timezone(pair[1])).isoformat()
    )


schemathesis.openapi.format("nhs-number", nhs_numbers())
schemathesis.openapi.format("upn", upns())
schemathesis.openapi.format("date", recent_dates())
schemathesis.openapi.format("date-time", recent_times())

REFERENCE = re.compile(r"\A[A-Za-z0-9._:/-]{1,64}\Z")
_sent = itertools.count()


def _is_ahead(text):
    try:
        return datetime.datetime.fromisoformat(text.upper()) > datetime.datetime.now(datetime.timezone.utc)
    except (TypeError, ValueError):
        return False


@schemathesis.hook
def before_call(context, case, kwargs):
    body = case.body
    if not isinstance(body, dict):
        return
    if isinstance(body.get("reference"), str) and REFERENCE.match(body["reference"]):
        body["reference"] = f"st-{next(_sent)}-{uuid.uuid4().hex[:12]}"
    if isinstance(body.get("submittedAt"), str) and _is_ahead(body["submittedAt"]):
        body["submittedAt"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
