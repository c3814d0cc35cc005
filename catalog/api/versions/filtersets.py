import django_filters

from catalog.choices import ReleaseStatus
from catalog.models import Release


class VersionFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReleaseStatus.choices)
    product = django_filters.CharFilter(field_name="product__key", help_text="Product key.")
    module = django_filters.CharFilter(field_name="module__name", help_text="Module name.")

    class Meta:
        model = Release
        fields = ["status", "product", "module"]
