"""Matching answer entries to inputs: never another input's answer, whatever the order, the
Unicode form, the punctuation, duplicates, drops or extras the server sends."""

from __future__ import annotations

import unicodedata
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from snov_async._runner.matching import echo_key, match_entries
from snov_async.errors import ResponseFormatError

WORDS = ["Acme", "Müller", "Snov", "Io", "Ørsted", "Zoë", "Jean-Luc", "O'Brien", "Ltd", "Ĳssel"]


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


VARIANTS = {
    "same": lambda s: s,
    "upper": str.upper,
    "nfd": lambda s: unicodedata.normalize("NFD", s),
    "fullwidth": fullwidth,
    "spaces": lambda s: "  " + s.replace(" ", "   ") + " ",
    "punctuation": lambda s: s.replace(" ", ", ") + ".",
    "unrecognisable": lambda s: f"#{len(s)}#unknown",
    "missing": lambda s: None,
}


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[str], list[dict[str, Any]]]:
    names: list[str] = []
    for _ in range(draw(st.integers(1, 10))):
        name = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)))
        if all(echo_key(name) != echo_key(other) for other in names):
            names.append(name)  # a batch never holds two names alike (the specs' fits)
    entries = []
    for i, name in enumerate(names):
        if draw(st.booleans()) and draw(st.integers(0, 9)) == 0:
            continue  # the server dropped this input's entry
        echo = VARIANTS[draw(st.sampled_from(sorted(VARIANTS)))](name)
        entries.append({"name": echo, "_of": i})
        if draw(st.integers(0, 9)) == 0:
            entries.append({"name": echo, "_of": i})  # answered twice
    for n in range(draw(st.integers(0, 2))):
        entries.append({"name": f"Stranger {n}", "_of": None})  # an input nobody sent
    order = draw(st.permutations(range(len(entries))))
    if draw(st.booleans()):  # half the time: the request's order
        order = sorted(order)
    return names, [entries[j] for j in order]


def entry_key(entry: dict[str, Any]) -> str | None:
    name = entry.get("name")
    return echo_key(name) if isinstance(name, str) else None


@settings(max_examples=250, deadline=None)
@given(batches())
def test_an_input_gets_its_own_entry_or_an_error_never_another_inputs(
    batch: tuple[list[str], list[dict[str, Any]]],
) -> None:
    names, entries = batch
    matched = match_entries([echo_key(n) for n in names], entries, entry_key, what="name")
    assert len(matched) == len(names)
    for i, got in enumerate(matched):
        if got is None:  # the answer said nothing of this input: every entry went to another
            assert all(any(m is e for m in matched) for e in entries)
            continue
        if isinstance(got, ResponseFormatError):
            assert isinstance(got.raw, list) and got.raw
            continue
        assert got["_of"] in (i, None), f"input {i} got input {got['_of']}'s answer"
        if got["_of"] is None:  # only ever the single leftover, at its own position
            assert len(entries) == len(names) and entries[i] is got


@settings(max_examples=100, deadline=None)
@given(batches())
def test_recognisable_echoes_always_match(batch: tuple[list[str], list[dict[str, Any]]]) -> None:
    names, entries = batch
    matched = match_entries([echo_key(n) for n in names], entries, entry_key, what="name")
    for i, name in enumerate(names):
        own = [e for e in entries if e["_of"] == i and entry_key(e) == echo_key(name)]
        if own:
            assert not isinstance(matched[i], ResponseFormatError)
            assert matched[i]["_of"] == i


def test_the_reordered_unicode_case_of_the_issue() -> None:
    # Two people; the answer comes back reversed and the echoes differ in Unicode form,
    # case, spacing and punctuation. Before, the fallback to position gave each the other's
    # email.
    names = ["Zoë Müller", "Jean-Luc Picard"]
    entries = [
        {"name": "jean luc picard", "_of": 1},
        {"name": unicodedata.normalize("NFD", "ZOË  MÜLLER."), "_of": 0},
    ]
    matched = match_entries([echo_key(n) for n in names], entries, entry_key, what="name")
    assert [m["_of"] for m in matched] == [0, 1]


def test_punctuation_and_spaces_do_not_tell_names_apart() -> None:
    assert echo_key("Jean-Luc  PICARD.") == echo_key("jean luc picard") == "jeanlucpicard"
    assert echo_key(fullwidth("O'Brien") + " & Co") == echo_key("obrien co")
    assert echo_key("Zoë") != echo_key("Zoe")  # letters are kept as they are


def test_two_unrecognisable_echoes_are_not_guessed_by_position() -> None:
    names = ["Acme", "Snov"]
    entries = [{"name": "???", "_of": 1}, {"name": "!!!x", "_of": 0}]
    matched = match_entries([echo_key(n) for n in names], entries, entry_key, what="name")
    assert all(isinstance(m, ResponseFormatError) for m in matched)
    assert matched[0].raw == entries


def test_a_single_leftover_in_an_ordered_answer_is_its_own() -> None:
    names = ["Acme", "Snov", "Zoë"]
    entries = [
        {"name": "Acme", "_of": 0},
        {"name": "Snöv", "_of": 1},
        {"name": "Zoe", "_of": 2},
    ]
    matched = match_entries([echo_key(n) for n in names], entries, entry_key, what="name")
    # "Snöv" and "Zoe" (no diaeresis) are not the same names: two leftovers, no guess.
    assert not isinstance(matched[0], ResponseFormatError)
    assert all(isinstance(m, ResponseFormatError) for m in matched[1:])
    entries[2]["name"] = "ZOË"
    matched = match_entries([echo_key(n) for n in names], entries, entry_key, what="name")
    assert [m["_of"] for m in matched] == [0, 1, 2]


def test_inputs_named_later_get_no_leftover_by_position() -> None:
    # A caller collecting a task hash (or a rerun resuming one) names the inputs: their
    # order is not the request's, so the single leftover is not guessed.
    names = ["Acme", "Snov", "Zoë"]
    entries = [{"name": "Acme", "_of": 0}, {"name": "Snöv", "_of": 1}, {"name": "ZOË", "_of": 2}]
    keys = [echo_key(n) for n in names]
    assert match_entries(keys, entries, entry_key, what="name")[1]["_of"] == 1
    matched = match_entries(keys, entries, entry_key, what="name", by_position=False)
    assert [m["_of"] for m in matched[::2]] == [0, 2]
    assert isinstance(matched[1], ResponseFormatError) and matched[1].raw == [entries[1]]


def test_the_specs_never_hand_one_row_another_rows_answer() -> None:
    from snov_async.resources.email_finder import CompanyDomainSpec, FindEmailsSpec
    from snov_async.resources.verification import VerifySpec

    names = CompanyDomainSpec()
    payload = {
        "status": "completed",
        "data": [
            {"name": "SNOV.IO", "result": {"domain": "snov.io"}},
            {"name": "Totally Other", "result": {"domain": "other.com"}},
            {"name": "Acme, Inc.", "result": {"domain": "acme.com"}},
        ],
    }
    got = names.split(payload, ["Acme Inc", "Müller GmbH", "Snov.io"])
    assert got[0]["result"]["domain"] == "acme.com"
    assert got[2]["result"]["domain"] == "snov.io"
    assert isinstance(got[1], ResponseFormatError)  # "Totally Other" is nobody's name here

    people = FindEmailsSpec()
    payload = {"data": [{"people": "Jane Roe", "result": []}, {"people": "JOHN DOE", "result": []}]}
    got = people.split(payload, [("John", "Doe", "a.com"), ("Jane", "Roe", "a.com")])
    assert [g["people"] for g in got] == ["JOHN DOE", "Jane Roe"]

    emails = VerifySpec()
    payload = {"data": [{"email": "B@X.IO", "result": {"smtp_status": "valid"}}]}
    got = emails.split(payload, ["a@x.io", "b@x.io"])
    assert got[1] == {"smtp_status": "valid"} and got[0] is None  # a said nothing of: None


def test_same_name_rows_never_share_a_batch() -> None:
    from snov_async.resources.email_finder import CompanyDomainSpec

    spec = CompanyDomainSpec()
    assert not spec.fits("Acme, Inc.", ["ACME INC"])
    assert spec.fits("Acme Ltd", ["ACME INC"])
