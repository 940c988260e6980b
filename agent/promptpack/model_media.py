"""PromptPack multimodal configuration (spec v1.1+): which media a prompt accepts, with examples."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pydantic
import pydantic_core

from agent.promptpack import jsontypes
from agent.promptpack.jsontypes import Opt

MediaType = Annotated[str, pydantic.Field(pattern=jsontypes.MEDIA_TYPE_PATTERN)]


class ImageConfig(jsontypes.Closed):
    """Limits on images."""

    max_size_mb: Opt[jsontypes.PositiveInt] = None
    allowed_formats: list[str] = pydantic.Field(default_factory=list)
    default_detail: str = "auto"
    require_caption: bool = False
    max_images_per_msg: Opt[jsontypes.PositiveInt] = None


class AudioConfig(jsontypes.Closed):
    """Limits on audio clips."""

    max_size_mb: Opt[jsontypes.PositiveInt] = None
    allowed_formats: list[str] = pydantic.Field(default_factory=list)
    max_duration_sec: Opt[jsontypes.PositiveInt] = None
    require_metadata: bool = False


class VideoConfig(jsontypes.Closed):
    """Limits on video clips."""

    max_size_mb: Opt[jsontypes.PositiveInt] = None
    allowed_formats: list[str] = pydantic.Field(default_factory=list)
    max_duration_sec: Opt[jsontypes.PositiveInt] = None
    require_metadata: bool = False


class DocumentConfig(jsontypes.Closed):
    """Limits on documents, and how their content is extracted."""

    max_size_mb: Opt[jsontypes.PositiveInt] = None
    allowed_formats: list[str] = pydantic.Field(default_factory=list)
    max_pages: Opt[jsontypes.PositiveInt] = None
    require_metadata: bool = False
    extraction_mode: Literal["text", "structured", "raw"] = "text"


class GenericMediaTypeConfig(jsontypes.Open):
    """Limits on a media type the specification does not name; other keys are kept as they are."""

    max_size_mb: Opt[jsontypes.PositiveInt] = None
    allowed_formats: list[str] = pydantic.Field(default_factory=list)
    require_metadata: bool = False
    validation_params: dict[str, Any] = pydantic.Field(default_factory=dict)


_SHAPES: tuple[tuple[str, type[pydantic.BaseModel]], ...] = (
    ("image", ImageConfig),
    ("audio", AudioConfig),
    ("video", VideoConfig),
    ("document", DocumentConfig),
    ("generic", GenericMediaTypeConfig),
)


def _matches(shape: type[pydantic.BaseModel], value: object) -> bool:
    try:
        shape.model_validate(value)
    except pydantic.ValidationError:
        return False
    return True


def _one_media_shape(value: Any) -> GenericMediaTypeConfig:
    """Validate an extra media key the way the schema's `oneOf` does: exactly one shape must fit.

    The generic shape accepts everything a specific one does, so a value that fits a specific
    shape fits two and the schema rejects it: an extra key needs a field only the generic shape
    allows (for example `validation_params`) or an unknown one.
    """
    names = [name for name, shape in _SHAPES if _matches(shape, value)]
    if names == ["generic"]:
        return GenericMediaTypeConfig.model_validate(value)
    if names:
        detail = (
            f"fits more than one media config shape ({', '.join(names)}) and the schema's oneOf "
            "wants exactly one; add a key only the generic shape has, such as validation_params"
        )
    else:
        detail = (
            "fits no media config shape: expected an object with max_size_mb (integer ≥ 1), "
            "allowed_formats (array of strings), require_metadata (boolean), validation_params "
            "(object) and other keys"
        )
    raise pydantic_core.PydanticCustomError("media_one_of", "{detail}", {"detail": detail})


class MediaReference(jsontypes.Closed):
    """Where a piece of media lives: a file path, a URL or inline base64."""

    file_path: Opt[str] = None
    url: Opt[str] = None
    base64: Opt[str] = None
    mime_type: str
    detail: Opt[Literal["low", "high", "auto"]] = None
    caption: Opt[str] = None


class ContentPart(jsontypes.Closed):
    """One part of an example message: text or media."""

    type: MediaType
    text: Opt[str] = None
    media: Opt[MediaReference] = None


class MultimodalExample(jsontypes.Closed):
    """An example message that mixes text and media."""

    name: str
    description: Opt[str] = None
    role: Literal["user", "assistant", "system"]
    parts: list[ContentPart] = pydantic.Field(min_length=1)


class MediaConfig(jsontypes.Open):
    """The media a prompt accepts; keys beyond the named ones configure other media types."""

    __pydantic_extra__: dict[
        str, Annotated[GenericMediaTypeConfig, pydantic.PlainValidator(_one_media_shape)]
    ] = pydantic.Field(init=False)

    enabled: bool
    supported_types: list[MediaType] = pydantic.Field(default_factory=list)
    image: Opt[ImageConfig] = None
    audio: Opt[AudioConfig] = None
    video: Opt[VideoConfig] = None
    document: Opt[DocumentConfig] = None
    examples: list[MultimodalExample] = pydantic.Field(default_factory=list)
