"""Entity tags over a version column: an ETag names one version of one object."""


def etag_for(kind: str, object_id: int, version: int) -> str:
    return f'"{kind}-{object_id}-v{version}"'


def if_match_allows(header: str, kind: str, object_id: int, version: int) -> bool:
    """RFC 9110 If-Match: `*` or a list of tags, one of which must be the current one."""
    current = etag_for(kind, object_id, version)
    tags = [t.strip() for t in header.split(",") if t.strip()]
    # A weak tag cannot vouch for a byte-exact version, so W/ tags never match.
    return "*" in tags or current in tags
