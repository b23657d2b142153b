"""The one search syntax of the watch, parsed without I/O into a small tree (:mod:`mediawatch.textsearch`).

    soil carbon                 both words (AND is implicit)
    "carbone du sol"            the words adjacent, in this order
    sequestration -ocean        the first word, not the second; -"blue carbon" excludes a phrase
    carbon OR carbone           either; OR binds tighter than AND: ``soil carbon OR carbone`` is
                                soil AND (carbon OR carbone)
    agri*                       any word starting so (at least two letters before the star)
    (soil OR land) -(ocean OR sea)   parentheses group

Words are matched case- and accent-insensitively and by stem in the article's language (``sols`` finds
``sol``). « » and curly quotes count as ``"``. A word that holds punctuation (``l'agriculture``,
``4-per-1000``) is a phrase of its parts; punctuation standing alone (``&``) is left out. ``OR`` is an
operator only in capitals; FTS5's and tsquery's operators are plain text here (the backends receive
tokens, never the query as typed).

Bad input raises :class:`~mediawatch.errors.ConfigError` with a message in the user's language naming
what is wrong (:class:`QueryError` keeps the catalogue key, for the web page).
"""

from __future__ import annotations

from dataclasses import dataclass

from mediawatch.errors import QueryError
from mediawatch.i18n import Message
from mediawatch.textsearch import AllOf, AnyOf, Node, Term, words

__all__ = ["MAX_LENGTH", "MAX_WORDS", "MIN_PREFIX", "AllOf", "AnyOf", "Node", "QueryError", "Term", "parse"]

MAX_LENGTH = 500
MAX_WORDS = 30
MIN_PREFIX = 2

_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»＂"})
_SPECIAL = '"()'


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "word", "phrase", "or", "(", ")", "-"
    text: str = ""
    prefix: bool = False


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append(_Token(c))
            i += 1
        elif c == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QueryError(Message("search.query.unbalanced_quote", fragment=_excerpt(text[i:])))
            prefix = end + 1 < n and text[end + 1] == "*"
            tokens.append(_Token("phrase", text[i + 1 : end], prefix))
            i = end + (2 if prefix else 1)
        elif c == "-" and (i == 0 or text[i - 1].isspace() or text[i - 1] == "("):
            if i + 1 >= n or text[i + 1].isspace() or text[i + 1] == ")":
                raise QueryError(Message("search.query.lone_minus"))
            tokens.append(_Token("-"))
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _SPECIAL:
                j += 1
            raw = text[i:j]
            if raw == "OR":
                tokens.append(_Token("or"))
            else:
                prefix = raw.endswith("*")
                tokens.append(_Token("word", raw.rstrip("*") if prefix else raw, prefix))
            i = j
    return tokens


def _excerpt(fragment: str, width: int = 30) -> str:
    return fragment if len(fragment) <= width else fragment[: width - 1] + "…"


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.word_count = 0
        self.skipped: list[str] = []  # bare punctuation ("&", "--"): nothing to look for, left out

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def sequence(self, closing: bool) -> Node:
        """Elements up to the end (or the closing parenthesis), joined by AND."""
        include: list[Node] = []
        exclude: list[Node] = []
        while (token := self.peek()) is not None and token.kind != ")":
            if token.kind == "-":
                self.take()
                node = self.atom()
                if (after := self.peek()) is not None and after.kind == "or":
                    raise QueryError(Message("search.query.or_after_exclusion"))
                if node is not None:
                    exclude.append(node)
            elif (node := self.disjunction()) is not None:
                include.append(node)
        if closing and self.peek() is None:
            raise QueryError(Message("search.query.unclosed_parenthesis"))
        if not closing and self.peek() is not None:  # stopped at a ")" that nothing opened
            raise QueryError(Message("search.query.unopened_parenthesis"))
        if not include:
            if exclude:
                raise QueryError(Message("search.query.only_exclusions"))
            if self.skipped:
                skipped = _excerpt(" ".join(self.skipped))
                raise QueryError(Message("search.query.no_letters", fragment=skipped))
            raise QueryError(Message("search.query.empty_group" if closing else "search.query.empty"))
        if len(include) == 1 and not exclude:
            return include[0]
        return AllOf(tuple(include), tuple(exclude))

    def disjunction(self) -> Node | None:
        options = [self.atom()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            following = self.peek()
            if following is None or following.kind in ("or", ")"):
                raise QueryError(Message("search.query.dangling_or"))
            if following.kind == "-":
                raise QueryError(Message("search.query.or_after_exclusion"))
            options.append(self.atom())
        kept = [o for o in options if o is not None]
        if len(kept) <= 1:
            return kept[0] if kept else None
        return AnyOf(tuple(kept))

    def atom(self) -> Node | None:
        token = self.peek()
        if token is None:
            raise QueryError(Message("search.query.lone_minus"))
        if token.kind == "or":
            raise QueryError(Message("search.query.dangling_or"))
        if token.kind == ")":
            raise QueryError(Message("search.query.unopened_parenthesis"))
        self.take()
        if token.kind == "(":
            node = self.sequence(closing=True)
            self.take()  # the ")" sequence() stopped at
            return node
        if token.kind == "-":
            raise QueryError(Message("search.query.lone_minus"))
        return self.term(token)

    def term(self, token: _Token) -> Term | None:
        found = tuple(words(token.text))
        quoted = token.kind == "phrase"
        if not found and not quoted and not token.prefix and token.text:
            self.skipped.append(token.text)
            return None
        if not found:
            if quoted and not token.text.strip():
                raise QueryError(Message("search.query.empty_phrase"))
            raise QueryError(Message("search.query.no_letters", fragment=_excerpt(token.text or "*")))
        if token.prefix and len(found[-1]) < MIN_PREFIX:
            raise QueryError(
                Message("search.query.short_prefix", fragment=_excerpt(token.text + "*"), minimum=MIN_PREFIX)
            )
        self.word_count += len(found)
        if self.word_count > MAX_WORDS:
            raise QueryError(Message("search.query.too_many_words", maximum=MAX_WORDS))
        return Term(found, token.prefix, quoted)


def parse(text: str) -> Node:
    """The tree of a search as typed; :class:`QueryError` (a ConfigError) names what is wrong."""
    if len(text) > MAX_LENGTH:
        raise QueryError(Message("search.query.too_long", length=len(text), maximum=MAX_LENGTH))
    tokens = _lex(text.translate(_QUOTES))
    parser = _Parser(tokens)
    return parser.sequence(closing=False)


def describe(node: Node) -> str:
    """The query as the parser understood it, fully parenthesised (for messages and tests)."""
    if isinstance(node, Term):
        return node.text()
    if isinstance(node, AnyOf):
        return "(" + " OR ".join(describe(o) for o in node.options) + ")"
    parts = [describe(i) for i in node.include] + ["-" + describe(e) for e in node.exclude]
    return "(" + " ".join(parts) + ")"
