"""Module names and versions are path segments of download URLs and TUF target paths: never periods alone."""

import pytest
from django.core.exceptions import ValidationError

from catalog.validators import module_name_validator, version_validator


@pytest.mark.parametrize("validator", [module_name_validator, version_validator])
@pytest.mark.parametrize("name", [".", "..", "..."])
def test_periods_alone_are_refused(validator, name):
    with pytest.raises(ValidationError):
        validator(name)


@pytest.mark.parametrize("validator", [module_name_validator, version_validator])
@pytest.mark.parametrize("name", ["1.0.0", ".hidden", "a..b", "v1."])
def test_names_with_periods_among_other_characters_pass(validator, name):
    validator(name)


def test_a_megabyte_of_periods_is_refused():
    with pytest.raises(ValidationError):
        version_validator("." * 1_000_000)
