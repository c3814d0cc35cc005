import factory
from django.contrib.auth import get_user_model

from catalog.models import Module, Product, Release, ResourceSpace


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")


class ResourceSpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceSpace
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"space-{n}")
    name = factory.LazyAttribute(lambda space: space.key.title())


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"product-{n}")
    name = factory.LazyAttribute(lambda product: product.key.replace("-", " ").title())


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module
        django_get_or_create = ("product", "name")

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"module-{n}")


class ReleaseFactory(factory.django.DjangoModelFactory):
    """A release of the product's ``default`` module unless a module is given."""

    class Meta:
        model = Release

    product = factory.SubFactory(ProductFactory)
    module = factory.LazyAttribute(lambda release: release.product.modules.get(name="default"))
    version = factory.Sequence(lambda n: f"1.{n}.0")
    release_notes = "Bug fixes"
    min_agent_version = ""


class DeviceFactory(factory.django.DjangoModelFactory):
    """A device of a product; ``token`` (post-generation) holds the plaintext of its token."""

    class Meta:
        model = "devices.Device"
        django_get_or_create = ("uid",)
        skip_postgeneration_save = True

    uid = factory.Sequence(lambda n: f"device-{n:06d}")
    product = factory.SubFactory(ProductFactory)
    name = factory.LazyAttribute(lambda device: f"Device {device.uid}")
    agent_version = "1.0.0"
    installed_versions = factory.LazyFunction(lambda: {"default": "1.0.0"})

    @factory.post_generation
    def token(device, create, extracted, **kwargs):
        from devices.tokens import issue_token

        device.token = issue_token(device)
