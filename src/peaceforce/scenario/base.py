"""Building blocks shared by every scenario file: the frozen base, ids and sources."""

from __future__ import annotations

from typing import Annotated, Literal

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    """Base of every scenario entity: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


def check_iso3(code: str) -> str:
    """Accept only codes pycountry knows (3 capitals alone would let 'XXX' through)."""
    if pycountry.countries.get(alpha_3=code) is None:
        raise ValueError("an ISO 3166-1 alpha-3 country code such as GBR or FRA")
    return code


#: A nation's ISO 3166-1 alpha-3 code, checked against pycountry.
Iso3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$"), AfterValidator(check_iso3)]
#: A short identifier used for cross-references between files.
Ident = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]


# --- sources -----------------------------------------------------------------


class ArticleSource(Frozen):
    """A citation of one of the seed articles: file, paragraph heading, paraphrase."""

    kind: Literal["article"] = "article"
    article: str = Field(description="seed article file name, e.g. 004_476d1b6c6be6d900.txt")
    paragraph: str = Field(description="heading of the section the paragraph sits under")
    paraphrase: str = Field(min_length=10, description="what the article says, in our words")


class PublicSource(Frozen):
    """A public figure or statement outside the seed articles."""

    kind: Literal["public"] = "public"
    reference: str = Field(description="publisher, title and date")
    paraphrase: str = Field(min_length=10)


class Assumption(Frozen):
    """An analyst's assumption where no source exists; the reason is mandatory."""

    kind: Literal["assumption"] = "assumption"
    reason: str = Field(min_length=10)


Source = Annotated[ArticleSource | PublicSource | Assumption, Field(discriminator="kind")]
