"""create_product, create_api_token, create_access_key: what they make, and how they refuse bad input."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import load_command_class
from django.core.management.base import CommandError

from catalog.models import AccessKey, ApiToken, Product, ResourceSpace, Scope
from catalog.services.operators import OPERATORS_GROUP
from tests.catalog.commands import run, run_process
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

COMMANDS = ["create_product", "create_api_token", "create_access_key", "import_release", "verify_artifacts",
            "deprecate_release", "load_demo"]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_explains_itself_with_help(name):
    parser = load_command_class("catalog", name).create_parser("manage.py", name)

    assert parser.description
    assert "usage: manage.py " + name in parser.format_help()


# --- create_product ---

def test_create_product_makes_the_product_its_modules_and_resource_space():
    out = run("create_product", "thermo", "--name", "Thermostat", "--module", "display", "--module", "radio",
              "--resource-space", "home")

    product = Product.objects.get(key="thermo")
    assert sorted(product.modules.values_list("name", flat=True)) == ["default", "display", "radio"]
    assert product.resource_space == ResourceSpace.objects.get(key="home")
    assert "default, display, radio" in out


def test_create_product_refuses_a_key_that_exists():
    ProductFactory(key="thermo")

    with pytest.raises(CommandError, match="key"):
        run("create_product", "thermo", "--name", "Again")


def test_create_product_refuses_an_invalid_module_name_and_writes_nothing():
    with pytest.raises(CommandError, match="name"):
        run("create_product", "thermo", "--name", "Thermostat", "--module", "bad name")

    assert not Product.objects.filter(key="thermo").exists()


@pytest.mark.django_db(transaction=True)
def test_create_product_exits_1_with_a_clear_message_on_an_invalid_key():
    result = run_process("create_product", "no spaces", "--name", "X")

    assert result.returncode == 1
    assert "CommandError: key: Use 1 to 64 letters" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db(transaction=True)
def test_create_product_exits_0_when_it_succeeds():
    result = run_process("create_product", "thermo", "--name", "Thermostat")

    assert result.returncode == 0, result.stderr
    assert Product.objects.filter(key="thermo").exists()


# --- create_api_token ---

def test_create_api_token_prints_a_working_token_alone_on_the_last_line():
    out = run("create_api_token", "ci-bot")

    plaintext = out.strip().splitlines()[-1]
    assert ApiToken.authenticate(plaintext).user.username == "ci-bot"


def test_create_api_token_makes_a_new_user_an_operator_without_password():
    run("create_api_token", "ci-bot")

    user = get_user_model().objects.get(username="ci-bot")
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == [OPERATORS_GROUP]
    assert user.has_perm("catalog.add_release")
    assert user.has_perm("devices.change_device")
    assert user.has_perm("rollouts.add_rollout")


def test_the_operators_group_holds_every_permission_of_the_portal_apps():
    run("create_api_token", "ci-bot")

    user = get_user_model().objects.get(username="ci-bot")
    expected = Permission.objects.filter(content_type__app_label__in=["catalog", "devices", "rollouts"])
    assert set(user.groups.get().permissions.all()) == set(expected)


def test_create_api_token_leaves_an_existing_user_groups_alone():
    existing = UserFactory(username="alice")

    run("create_api_token", "alice")

    assert not existing.groups.exists()
    assert ApiToken.objects.filter(user=existing).count() == 1


def test_create_api_token_stores_the_scopes_and_name():
    run("create_api_token", "ci-bot", "--scope", Scope.SOFTWARE_READ, "--scope", Scope.ENDPOINT_READ,
        "--name", "dashboard")

    token = ApiToken.objects.get()
    assert token.scopes == sorted([Scope.SOFTWARE_READ, Scope.ENDPOINT_READ])
    assert token.name == "dashboard"


def test_create_api_token_refuses_an_unknown_scope_and_creates_nothing():
    with pytest.raises(CommandError, match="Unknown scope"):
        run("create_api_token", "ci-bot", "--scope", "root")

    assert not get_user_model().objects.filter(username="ci-bot").exists()


def test_create_api_token_refuses_an_invalid_username():
    with pytest.raises(CommandError, match="username"):
        run("create_api_token", "no/slashes")


@pytest.mark.django_db(transaction=True)
def test_create_api_token_exits_1_without_a_username():
    result = run_process("create_api_token")

    assert result.returncode != 0
    assert "username" in result.stderr


# --- create_access_key ---

def test_create_access_key_prints_the_id_and_a_secret_that_matches():
    out = run("create_access_key", "sdk-user")

    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    key = AccessKey.objects.get(access_key_id=lines["Access key id"])
    assert key.secret == lines["Secret access key"]
    assert key.user.username == "sdk-user"
