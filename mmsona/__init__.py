"""mmsona: SONA-Net person re-identification for the OpenMMLab stack."""
from .utils.mmengine_compat import apply_mmengine_patches
from .version import __version__

# The one place where importing mmsona changes MMEngine's global state.
apply_mmengine_patches()

__all__ = ['__version__']
