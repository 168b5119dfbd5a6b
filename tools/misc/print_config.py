"""Print a config as it resolves: every base merged, overrides applied.

Example:
    python tools/misc/print_config.py configs/ablation/sona2_r18-dilated_synthetic-hard.py
    python tools/misc/print_config.py configs/sona/sona_r50_market.py \
        --cfg-options model.backbone.sona_stages="(1,)"
"""  # noqa: E501
import argparse
from typing import Optional, Sequence

from mmengine.config import Config, DictAction

import mmsona  # noqa: F401  (``mmsona::`` bases resolve to its configs)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments: the config and ``--cfg-options``."""
    parser = argparse.ArgumentParser(
        description='Print a config with its bases merged.')
    parser.add_argument('config', help='path of the config file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings before printing, e.g. '
        'train_dataloader.batch_size=64 model.backbone.sona_stages="(1,)"')
    return parser.parse_args(argv)


def resolve(config: str, cfg_options: Optional[dict] = None) -> Config:
    """Load ``config`` with its bases and apply ``cfg_options``.

    Args:
        config (str): Path of the config file (text or pure-Python style).
        cfg_options (dict, optional): ``key.sub=value`` overrides, as
            ``--cfg-options`` of ``tools/train.py`` gives them.

    Returns:
        Config: The resolved config.
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    print(resolve(args.config, args.cfg_options).pretty_text)


if __name__ == '__main__':
    main()
