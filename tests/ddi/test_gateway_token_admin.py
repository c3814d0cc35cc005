"""Gateway tokens in the admin: issued and shown once, listed, revoked by POST only."""

import re

import pytest
from django.contrib.admin.models import LogEntry

from devices import gateway_tokens
from devices.models import GatewayToken

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/devices/gatewaytoken/"


def test_adding_a_token_shows_it_once_and_keeps_only_its_hash(admin_client, product):
    response = admin_client.post(f"{CHANGELIST}add/", {"product": product.pk, "name": "plant 7"}, follow=True)

    plaintext = re.search(r'class="ota-secret">([^<]+)<', response.content.decode())[1]
    token = GatewayToken.objects.get()
    assert gateway_tokens.authenticate(plaintext) == token
    assert (token.product, token.name) == (product, "plant 7")
    assert plaintext not in admin_client.get(f"{CHANGELIST}{token.pk}/change/").content.decode()


def test_the_list_shows_product_and_status_and_filters(admin_client, gateway):
    page = admin_client.get(CHANGELIST, {"status": "active"}).content.decode()

    assert gateway.token.prefix in page and "thermostat" in page and 'data-state="active"' in page
    assert gateway.token.prefix not in admin_client.get(CHANGELIST, {"status": "revoked"}).content.decode()


def test_revoking_is_a_logged_post(admin_client, gateway):
    url = f"{CHANGELIST}{gateway.token.pk}/revoke/"
    assert admin_client.get(url).status_code == 405

    admin_client.post(url)

    assert gateway_tokens.authenticate(gateway.plaintext) is None
    assert LogEntry.objects.filter(object_id=str(gateway.token.pk), change_message__contains="Revoked").exists()


def test_the_bulk_action_revokes_the_selected_tokens(admin_client, gateway):
    admin_client.post(CHANGELIST, {"action": "revoke_selected", "_selected_action": [gateway.token.pk]})

    gateway.token.refresh_from_db()
    assert gateway.token.revoked_at is not None
