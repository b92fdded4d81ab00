"""Light (surface-brightness) models: profiles and the ``LightModel`` that sums them."""

from chromalens.light.light_model import LightModel

__all__ = ["LightModel"]
