"""mmsona: SONA-Net person re-identification for the OpenMMLab stack."""
import warnings

# mmcv-lite ships no compiled ops; MMCV warns about one of them on every
# import although neither MMPretrain nor mmsona uses it.
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')

from .utils.checkpoint_compat import patch_checkpoint_loading  # noqa: E402
from .version import __version__  # noqa: E402

patch_checkpoint_loading()

__all__ = ['__version__']
