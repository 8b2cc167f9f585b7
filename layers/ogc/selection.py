"""Which features an items request selects, in which order and with which attributes: the
`bbox`, `filter`, `sortby` and `properties` parameters checked against the collection's
queryables and turned into SQL pieces for layers/ogc/features.py. Names are always query
parameters (jsonb keys), never SQL text."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from layers.ogc.filters import Condition, parse_filter
from layers.ogc.params import Envelope, ItemsQuery, invalid
from layers.ogc.queryables import Queryables

# The stable tie-break of every order, so that pages never overlap.
BY_ID = Condition("f.id")


@dataclass(frozen=True)
class Selection:
    envelopes: tuple[Envelope, ...] = ()
    condition: Condition | None = None
    # ORDER BY terms, the last one always f.id.
    order: tuple[Condition, ...] = (BY_ID,)
    # Attributes left out of each feature (the complement of `properties`), or none.
    dropped: tuple[str, ...] = field(default=())


def selection_of(query: ItemsQuery, queryables: Queryables) -> Selection:
    condition = None
    if query.filter is not None:
        condition = parse_filter(query.filter, query.filter_lang, queryables, query.filter_crs)
    return Selection(
        envelopes=query.envelopes,
        condition=condition,
        order=_order(query.sortby, queryables),
        dropped=_dropped(query.properties, queryables),
    )


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _dropped(text: str | None, queryables: Queryables) -> tuple[str, ...]:
    if text is None:
        return ()
    wanted = _names(text)
    unknown = [name for name in wanted if name not in queryables.names]
    if unknown:
        raise invalid(
            _(
                "The parameter properties names %(names)s, which the features do not have. "
                "They have: %(known)s."
            )
            % {"names": ", ".join(unknown), "known": ", ".join(queryables.names)}
        )
    return tuple(name for name in queryables.names if name not in wanted)


def _order(text: str | None, queryables: Queryables) -> tuple[Condition, ...]:
    if text is None:
        return (BY_ID,)
    terms = []
    for item in _names(text):
        descending = item.startswith("-")
        name = item.lstrip("+-").strip()
        kind = queryables.kinds.get(name)
        if kind is None:
            raise invalid(
                _(
                    "The parameter sortby names %(name)s, which is not a queryable of this "
                    "collection."
                )
                % {"name": name}
            )
        cast = {"number": "::numeric", "boolean": "::boolean"}.get(kind, "")
        direction = "DESC NULLS LAST" if descending else "ASC NULLS LAST"
        terms.append(Condition(f"(f.properties ->> %s){cast} {direction}", [name]))
    if not terms:
        raise invalid(_("The parameter sortby is empty."))
    return (*terms, BY_ID)
