import factory

from rollouts.models import DeviceFilter


class DeviceFilterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeviceFilter
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"filter-{n}")
    conditions = factory.LazyFunction(list)
