from datetime import datetime, timezone
from xml.etree import ElementTree

import pytest

from tasking.services import open311_clients
from tasking.unit_of_work import unit_of_work


@pytest.fixture
def api_key(session):
    with unit_of_work(session):
        _client, key = open311_clients.create_client(session, None, name="FixMyStreet", now=datetime.now(timezone.utc))
    return key


def xml(response):
    assert response.content_type.startswith("text/xml"), response.content_type
    return ElementTree.fromstring(response.data)


def children(element):
    return {child.tag: child.text for child in element}
