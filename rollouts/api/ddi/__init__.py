"""The hawkBit DDI API devices poll (see docs/ddi.md)."""
