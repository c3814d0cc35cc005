"""Creating products, with their resource space and modules, for the commands and the demo."""

from django.db import transaction

from catalog.models import Module, Product, ResourceSpace


def ensure_resource_space(key: str) -> ResourceSpace:
    """The resource space ``key``, created (named after its key) when missing."""
    space = ResourceSpace.objects.filter(key=key).first()
    if space is None:
        space = ResourceSpace(key=key, name=key)
        space.full_clean()
        space.save()
    return space


def ensure_modules(product: Product, names) -> list[Module]:
    """The product's modules with these names, created when missing (names are validated first)."""
    modules = []
    for name in dict.fromkeys(names):
        module = Module.objects.filter(product=product, name=name).first()
        if module is None:
            module = Module(product=product, name=name)
            module.full_clean()
            module.save()
        modules.append(module)
    return modules


@transaction.atomic
def create_product(key: str, name: str, *, resource_space_key: str | None = None, module_names=(),
                   description: str = "") -> Product:
    """Create a product (with its ``default`` module) and the named extra modules.

    Raises ValidationError, naming the field, when the key is taken or a value is
    invalid; nothing is written then.
    """
    product = Product(key=key, name=name, description=description)
    if resource_space_key:
        product.resource_space = ensure_resource_space(resource_space_key)
    product.full_clean()
    product.save()
    ensure_modules(product, module_names)
    return product
