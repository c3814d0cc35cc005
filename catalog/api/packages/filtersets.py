import django_filters

from catalog.choices import PackageType
from catalog.models import Release

from .serializers import identifier_validator, version_validator


class PackageFilterSet(django_filters.FilterSet):
    app_id = django_filters.CharFilter(field_name="product__resource_space__key", validators=[identifier_validator],
                                       help_text="Resource space key.")
    package_type = django_filters.ChoiceFilter(choices=PackageType.choices)
    product_id = django_filters.CharFilter(field_name="product__key", validators=[identifier_validator],
                                           help_text="Product key.")
    version = django_filters.CharFilter(validators=[version_validator])

    class Meta:
        model = Release
        fields = ["app_id", "package_type", "product_id", "version"]
