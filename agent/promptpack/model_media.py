"""PromptPack multimodal configuration (spec v1.1+): which media a prompt accepts, with examples."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pydantic
import pydantic_core

from agent.promptpack import jsontypes, jsonvalues

MediaType = Annotated[str, pydantic.Field(pattern=jsontypes.MEDIA_TYPE_PATTERN)]


class ImageConfig(jsontypes.Closed):
    """Limits on images."""

    max_size_mb: jsontypes.Opt[jsontypes.PositiveInt] = None
    allowed_formats: list[str] = pydantic.Field(default_factory=list)
    default_detail: str = "auto"
    require_caption: bool = False
    max_images_per_msg: jsontypes.Opt[jsontypes.PositiveInt] = None


class AudioConfig(jsontypes.Closed):
    """Limits on audio clips."""

    max_size_mb: jsontypes.Opt[jsontypes.PositiveInt] = None
    allowed_formats: list[str] = pydantic.Field(default_factory=list)
    max_duration_sec: jsontypes.Opt[jsontypes.PositiveInt] = None
    require_metadata: bool = False


class VideoConfig(jsontypes.Closed):
    """Limits on video clips."""

    max_size_mb: jsontypes.Opt[jsontypes.PositiveInt] = None
    allowed_formats: list[str] = pydantic.Field(default_factory=list)
    max_duration_sec: jsontypes.Opt[jsontypes.PositiveInt] = None
    require_metadata: bool = False


class DocumentConfig(jsontypes.Closed):
    """Limits on documents, and how their content is extracted."""

    max_size_mb: jsontypes.Opt[jsontypes.PositiveInt] = None
    allowed_formats: list[str] = pydantic.Field(default_factory=list)
    max_pages: jsontypes.Opt[jsontypes.PositiveInt] = None
    require_metadata: bool = False
    extraction_mode: Literal["text", "structured", "raw"] = "text"


class GenericMediaTypeConfig(jsontypes.Open):
    """Limits on a media type the specification does not name; other keys are kept as they are."""

    max_size_mb: jsontypes.Opt[jsontypes.PositiveInt] = None
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


def _first_error(shape: type[pydantic.BaseModel], value: object) -> str | None:
    try:
        shape.model_validate(value)
    except pydantic.ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else first["msg"]
    return None


def _one_media_shape(value: Any) -> GenericMediaTypeConfig:
    """Validate an extra media key the way the schema's `oneOf` does: exactly one shape must fit.

    The generic shape accepts everything a specific one does, so a value that fits a specific
    shape fits two and the schema rejects it: an extra key needs a field only the generic shape
    allows (for example `validation_params`) or an unknown one.
    """
    if not isinstance(value, dict):
        detail = f"expected an object, got {jsonvalues.describe(value)}"
    else:
        names = [name for name, shape in _SHAPES if _first_error(shape, value) is None]
        if len(names) == 1:
            # Only the generic shape can fit alone (see above).
            return GenericMediaTypeConfig.model_validate(value)
        if names:
            detail = (
                f"fits more than one media config shape ({', '.join(names)}) but the schema's "
                "oneOf wants exactly one; add a key only the generic shape has, such as "
                "validation_params"
            )
        else:
            detail = f"fits no media config shape ({_first_error(GenericMediaTypeConfig, value)})"
    raise pydantic_core.PydanticCustomError("media_one_of", "{detail}", {"detail": detail})


class MediaReference(jsontypes.Closed):
    """Where a piece of media lives: a file path, a URL or inline base64."""

    file_path: jsontypes.Opt[str] = None
    url: jsontypes.Opt[str] = None
    base64: jsontypes.Opt[str] = None
    mime_type: str
    detail: jsontypes.Opt[Literal["low", "high", "auto"]] = None
    caption: jsontypes.Opt[str] = None


class ContentPart(jsontypes.Closed):
    """One part of an example message: text or media."""

    type: MediaType
    text: jsontypes.Opt[str] = None
    media: jsontypes.Opt[MediaReference] = None


class MultimodalExample(jsontypes.Closed):
    """An example message that mixes text and media."""

    name: str
    description: jsontypes.Opt[str] = None
    role: Literal["user", "assistant", "system"]
    parts: list[ContentPart] = pydantic.Field(min_length=1)


class MediaConfig(jsontypes.Open):
    """The media a prompt accepts; keys beyond the named ones configure other media types."""

    __pydantic_extra__: dict[
        str, Annotated[GenericMediaTypeConfig, pydantic.PlainValidator(_one_media_shape)]
    ] = pydantic.Field(init=False)

    enabled: bool
    supported_types: list[MediaType] = pydantic.Field(default_factory=list)
    image: jsontypes.Opt[ImageConfig] = None
    audio: jsontypes.Opt[AudioConfig] = None
    video: jsontypes.Opt[VideoConfig] = None
    document: jsontypes.Opt[DocumentConfig] = None
    examples: list[MultimodalExample] = pydantic.Field(default_factory=list)
