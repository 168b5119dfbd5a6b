"""Count the FLOPs and parameters of a model config (test path).

SONA's attention (``scaled_dot_product_attention``) and output projection
(``baddbmm``) are counted with the handles of
:mod:`mmsona.analysis.complexity`, which MMEngine's counter lacks; one
multiply-add is one FLOP, like every other MMEngine handle.

Example:
    python tools/analysis_tools/get_flops.py \
        configs/sona/sona_r50_market.py --shape 384 128
"""
import argparse

from mmengine.analysis.print_helper import complexity_stats_table
from mmengine.config import DictAction

from mmsona.analysis import count_complexity, load_benchmark_config
from mmsona.apis import get_model


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='FLOPs and parameters of a model config')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[384, 128],
        metavar=('H', 'W'),
        help='input height and width')
    parser.add_argument(
        '--show-table',
        action='store_true',
        help='print MMEngine\'s per-module complexity table')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. '
        'model.backbone.sona_cfg.reduction=2')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Count from the command line."""
    args = parse_args(argv)
    model = get_model(load_benchmark_config(args.config, args.cfg_options))
    result = count_complexity(model, args.shape)
    analyzer = result['analyzer']
    split_line = '=' * 40
    print(split_line)
    print(f'Config: {args.config}')
    print(f'Input shape: (3, {args.shape[0]}, {args.shape[1]})')
    print(f'Flops: {result["flops"] / 1e9:.3f} G per image '
          '(test path, one multiply-add = one FLOP)')
    print(f'  in scaled_dot_product_attention: '
          f'{result["attention_flops"] / 1e9:.3f} G')
    by_module = analyzer.by_module()
    for name in sorted(by_module):
        if name.count('.') == 2 and '.sona_layers.' in name:
            print(f'  {name}: {by_module[name] / 1e9:.3f} G')
    print(f'Params: {result["params"] / 1e6:.3f} M '
          '(all, including the training classifiers)')
    print(split_line)
    if args.show_table:
        print(complexity_stats_table(flops=analyzer, show_param_shapes=False))


if __name__ == '__main__':
    main()
