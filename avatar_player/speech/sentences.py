"""Split text into short pieces for sentence-by-sentence speech synthesis.

Sentences end at `.`, `!`, `?`, `;`, `…` followed by a space, and at line breaks; common
abbreviations ("Dr.", "e.g.", "U.S."), initials and decimals ("3.5") stay intact. Pieces
longer than a limit are split at clause boundaries (commas, colons, dashes), then between
words, so no synthesis call gets a giant input. The first sentence, when not short, is cut at
its first phrase boundary (a clause boundary, else before a conjunction or preposition), so
the first audio comes sooner: synthesis time grows with the length of the piece.
"""

from __future__ import annotations

import re

MAX_CHARS = 200
"""The longest piece handed to the synthesizer (a single longer word is cut)."""
FIRST_MAX_CHARS = 24
"""A first sentence longer than this is cut at its first phrase boundary ..."""
FIRST_MIN_CHARS = 10
"""... at or after this many characters."""
_PHRASE_WORDS = frozenset(
    {
        *("and", "or", "but", "so", "because", "while", "when", "where", "which", "to"),
        *("for", "with", "about", "on", "in", "at", "of", "from", "into", "than", "after"),
        *("before", "until"),
    }
)
"""Words a spoken phrase usually starts with: a first sentence may be cut before one."""

# Abbreviations whose period does not end a sentence (lowercase, without the final dot).
_ABBREVIATION_WORDS = (
    "mr mrs ms dr prof sr jr st mt rev gen col capt lt sgt hon fr vs cf approx fig figs "
    "vol pp ch sec dept est inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec "
    "e.g i.e a.m p.m"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
# A sentence end: terminators, optional closing quotes/brackets, then whitespace.
_SENTENCE_END = re.compile(r"[.!?;\u2026]+[\"'\u201d\u2019)\]]*(?=\s)")
_WORD_BEFORE = re.compile(r"(\S+)$")
# A clause boundary: after `,` `:` followed by a space, or around a dash.
_CLAUSE_END = re.compile(r"[,:](?=\s)|\s?[\u2014\u2013]\s?|\s-\s")


def split_sentences(
    text: str, max_chars: int = MAX_CHARS, first_max_chars: int = FIRST_MAX_CHARS
) -> list[str]:
    """The pieces to synthesize in order; [] when nothing in `text` can be spoken."""
    sentences = [
        sentence
        for line in text.splitlines()
        for sentence in _split_line(" ".join(line.split()))
        if _speakable(sentence)
    ]
    if sentences and len(sentences[0]) > first_max_chars:
        sentences[:1] = _cut_first(sentences[0])
    return [piece for sentence in sentences for piece in _limit(sentence, max_chars)]


def _speakable(piece: str) -> bool:
    return any(char.isalnum() for char in piece)


def _split_line(line: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        if match.group().startswith(".") and _is_abbreviation(line[start : match.start()]):
            continue
        sentences.append(line[start : match.end()].strip())
        start = match.end()
    sentences.append(line[start:].strip())
    return [sentence for sentence in sentences if sentence]


def _is_abbreviation(before: str) -> bool:
    """Whether the period after `before` belongs to an abbreviation or an initial."""
    found = _WORD_BEFORE.search(before)
    if found is None:
        return False
    word = found.group(1).lstrip("\"'\u201c\u2018([").lower()
    if word in _ABBREVIATIONS:
        return True
    # An initial ("J.") or a dotted abbreviation ("U.S.", "Ph.D.").
    return (len(word) == 1 and word.isalpha()) or ("." in word and word.replace(".", "").isalpha())


def _cut_first(sentence: str) -> list[str]:
    """Cut a long first sentence at its first phrase boundary after FIRST_MIN_CHARS: after a
    clause mark, or before a phrase word (not one of the last two words)."""
    words = sentence.split(" ")
    for index in range(1, len(words)):
        head, tail = " ".join(words[:index]), " ".join(words[index:])
        if len(head) < FIRST_MIN_CHARS or not (_speakable(head) and _speakable(tail)):
            continue
        after_clause = head.endswith((",", ":", "\u2014", "\u2013", " -"))
        before_phrase = words[index].lower() in _PHRASE_WORDS and index < len(words) - 2
        if after_clause or before_phrase:
            return [head, tail]
    return [sentence]


def ends_sentence(piece: str) -> bool:
    """Whether `piece` ends a sentence (else it was cut at a phrase or clause)."""
    return piece.rstrip("\"')]\u201d\u2019").endswith((".", "!", "?", ";", "\u2026"))


def _limit(sentence: str, max_chars: int) -> list[str]:
    """Split a sentence longer than `max_chars` at clauses, then words, then characters."""
    if len(sentence) <= max_chars:
        return [sentence]
    clauses: list[str] = []
    start = 0
    for match in _CLAUSE_END.finditer(sentence):
        clauses.append(sentence[start : match.end()].strip())
        start = match.end()
    clauses.append(sentence[start:].strip())
    parts = [part for clause in clauses for part in _split_words(clause, max_chars)]
    return [piece for piece in _pack(parts, max_chars) if _speakable(piece)]


def _split_words(clause: str, max_chars: int) -> list[str]:
    if len(clause) <= max_chars:
        return [clause] if clause else []
    words = [
        word[i : i + max_chars] for word in clause.split() for i in range(0, len(word), max_chars)
    ]
    return _pack(words, max_chars)


def _pack(parts: list[str], max_chars: int) -> list[str]:
    """Join consecutive parts with spaces into pieces of at most `max_chars`."""
    pieces: list[str] = []
    for part in parts:
        if pieces and len(pieces[-1]) + 1 + len(part) <= max_chars:
            pieces[-1] = f"{pieces[-1]} {part}"
        else:
            pieces.append(part)
    return pieces
