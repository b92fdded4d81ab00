"""The multi-band classes of the reference's ``ImSim.MultiBand``, same names and methods."""

from .joint_linear import JointLinear
from .joint_linear_vary_background import JointLinear_VaryBG
from .multi_data_base import MultiDataBase
from .multi_linear import MultiLinear
from .single_band_multi_model import SingleBandMultiModel

__all__ = ["JointLinear", "JointLinear_VaryBG", "MultiDataBase", "MultiLinear",
           "SingleBandMultiModel"]
