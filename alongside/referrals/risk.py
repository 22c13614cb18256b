"""Risk in a self-referral: the answer to the question about thoughts of self-harm or ending
one's life, the needs ticked, and risk words in what the person wrote.

``assess`` decides whether a self-referral comes in as urgent (or an emergency: thoughts of
self-harm and not safe now, or not sure) and says why in words for the coordinator. The person
is never told what matched: their confirmation leads with where to get help now, nothing more.

The risk words are a data file, ``data/risk_words.txt``, owned by the clinical safety officer
(its header says where it came from and when it is reviewed). Matching copes with case,
punctuation and simple word forms: every word, in the text and in the list, is reduced to a
simple stem ("cutting", "cuts" and "cut" all become "cut"; "ended" and "ending" become "end")
and a phrase matches whole words in order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from alongside.referrals.models import Urgency

WORDS_FILE = Path(__file__).resolve().parent / "data" / "risk_words.txt"

YES, NO, NOT_SURE = "yes", "no", "not_sure"

_SUFFIXES = ("ing", "ed", "es", "s")
_KEEP_DOUBLE = frozenset("lsz")  # kill, miss, buzz: the double letter belongs to the word


def stem(word: str) -> str:
    """A simple stem: enough to match "cutting" with "cut" and "overdosed" with "overdose"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in _KEEP_DOUBLE:
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    """The text's words, lower case, without accents or apostrophes ("don't" is "dont"), each
    reduced to its stem; anything else between letters and digits separates words."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"['\u2019`]", "", plain)
    return [stem(w) for w in re.findall(r"[a-z0-9]+", plain)]


@dataclass(frozen=True)
class RiskList:
    """The maintained list, as stems: phrases for free text and names of needs."""

    phrases: tuple[tuple[str, ...], ...]
    needs: tuple[tuple[str, ...], ...]
    originals: dict[tuple[str, ...], str] = field(default_factory=dict)


def parse(text: str) -> RiskList:
    sections: dict[str, list[tuple[str, ...]]] = {"words": [], "needs": []}
    originals: dict[tuple[str, ...], str] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            if current not in sections:
                raise ValueError(f"Unknown section [{current}] in the risk words")
            continue
        if current is None:
            raise ValueError("A risk phrase comes before any [words] or [needs] section")
        stems = tuple(words(line))
        if stems:
            sections[current].append(stems)
            originals.setdefault(stems, line)
    return RiskList(tuple(sections["words"]), tuple(sections["needs"]), originals)


@cache
def risk_list() -> RiskList:
    return parse(WORDS_FILE.read_text(encoding="utf-8"))


def _contains(haystack: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(haystack[i : i + n]) == phrase for i in range(len(haystack) - n + 1))


def risk_phrases_in(text: str, *, listed: RiskList | None = None) -> list[str]:
    """The listed phrases found in ``text``, as the list writes them, in the list's order."""
    found = words(text)
    listed = listed or risk_list()
    return [listed.originals[p] for p in listed.phrases if _contains(found, p)]


def is_risk_need(name: str, *, listed: RiskList | None = None) -> bool:
    listed = listed or risk_list()
    return tuple(words(name)) in listed.needs


@dataclass(frozen=True)
class Assessment:
    """What a self-referral said about risk: the urgency it comes in at, and why."""

    urgency: str
    reasons: tuple[str, ...]

    @property
    def at_risk(self) -> bool:
        return self.urgency != Urgency.ROUTINE

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def assess(
    *,
    texts: Iterable[str],
    need_names: Iterable[str],
    thoughts: str = "",
    safe_now: str = "",
) -> Assessment:
    """The urgency a self-referral comes in at. Thoughts of self-harm or ending their life, a
    crisis or self-harm need, or risk words make it urgent; thoughts with not being safe now (or
    not being sure) make it an emergency."""
    reasons: list[str] = []
    if thoughts == YES:
        reasons.append("Said they have thoughts of self-harm or of ending their life")
        if safe_now == NO:
            reasons.append("Said they are not safe now")
        elif safe_now == NOT_SURE:
            reasons.append("Not sure they are safe now")
        elif safe_now == YES:
            reasons.append("Said they are safe now")
        else:
            reasons.append("Did not say whether they are safe now")
    risky_needs = [name for name in need_names if is_risk_need(name)]
    if risky_needs:
        reasons.append("Asked for help with: " + ", ".join(risky_needs))
    phrases: list[str] = []
    for text in texts:
        phrases.extend(p for p in risk_phrases_in(text) if p not in phrases)
    if phrases:
        reasons.append("Wrote: " + ", ".join(f"“{p}”" for p in phrases))
    if thoughts == YES and safe_now in (NO, NOT_SURE):
        urgency = Urgency.EMERGENCY
    elif thoughts == YES or risky_needs or phrases:
        urgency = Urgency.URGENT
    else:
        return Assessment(Urgency.ROUTINE, ())
    if not thoughts:
        reasons.append("Did not answer the question about thoughts of self-harm")
    return Assessment(urgency, tuple(reasons))
