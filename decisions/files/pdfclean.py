"""Active content out of a PDF before it is handed on: the meeting pack carries
third-party attachments, and nothing in it may run, launch, open, submit or carry a
file when a member opens it. What stays is pages, their looks, bookmarks and links
within the document."""

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

# Keys whose value runs script, fires on an event, opens an address, or carries a
# file or a form engine; wherever they are, they go.
ACTIVE_KEYS = frozenset({
    "/JS", "/JavaScript", "/OpenAction", "/AA", "/URI",
    "/EmbeddedFiles", "/EF", "/AF", "/RichMediaContent", "/XFA", "/NeedsRendering",
})
# Annotations that play, show or hold something other than the page.
ACTIVE_ANNOTATIONS = frozenset({
    "/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D",
})
ACTION_TYPES = frozenset({
    "/GoTo", "/GoToR", "/GoToE", "/GoToDp", "/Launch", "/Thread", "/URI", "/Sound",
    "/Movie", "/Hide", "/Named", "/SubmitForm", "/ResetForm", "/ImportData",
    "/JavaScript", "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView",
    "/RichMediaExecute",
})
# The one kind of action that stays: a jump to a place in the same document.
SAFE_ACTIONS = frozenset({"/GoTo"})
# Keys that hold actions (of annotations, outline items, form fields, chains).
ACTION_KEYS = ("/A", "/PA", "/Next")


def _is_unsafe_action(value) -> bool:
    """An action (or a chain of them) that does more than jump within the document.
    Structure elements' /A are attributes, not actions: they have no action type."""
    value = value.get_object()
    for action in value if isinstance(value, ArrayObject) else [value]:
        action = action.get_object()
        if isinstance(action, ArrayObject):
            return True  # no action is an array of arrays: whatever it is, it goes
        if not isinstance(action, DictionaryObject):
            continue
        kind = action.get("/S")
        if (action.get("/Type") == "/Action" or kind in ACTION_TYPES) \
                and kind not in SAFE_ACTIONS:
            return True
    return False


def _clean(obj: DictionaryObject) -> None:
    for key in ACTIVE_KEYS.intersection(obj.keys()):
        del obj[key]
    for key in ACTION_KEYS:
        if key in obj and _is_unsafe_action(obj[key]):
            del obj[key]
    if "/Annots" in obj:
        annotations = obj["/Annots"].get_object()
        if isinstance(annotations, ArrayObject):
            annotations[:] = [a for a in annotations if not (
                isinstance(a.get_object(), DictionaryObject)
                and a.get_object().get("/Subtype") in ACTIVE_ANNOTATIONS)]


def strip_active_content(writer: PdfWriter) -> None:
    """Remove every script, automatic or triggered action, launch, web or remote
    link, form submission, embedded file and XFA form from `writer`'s document, and
    drop the objects nothing refers to any more (so a script or a file cannot stay
    in the file unreferenced). Call it just before writing."""
    trailer = [writer.root_object.indirect_reference]
    for extra in (writer._info, writer._encrypt_entry):
        if extra is not None:
            trailer.append(extra.indirect_reference)
    kept: set[int] = set()
    # An explicit stack: a hostile file may nest deeper than Python recurses.
    stack: list = list(trailer)
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if obj.pdf is not writer or obj.idnum in kept:
                continue
            kept.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # stream dictionaries too
            _clean(obj)
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    # pypdf writes every object it holds, referenced or not; the unreachable ones go.
    for index in range(len(writer._objects)):
        if index + 1 not in kept:
            writer._objects[index] = None
