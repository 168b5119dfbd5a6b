"""Where a trained model's attention goes on the relational probe.

For every person image of the relational probe's test split (query and
gallery) the generator re-draws the map of the subject's parts; every
attention block of the model (SONA or the first-order non-local rival) is
read on the image, and for each pair of parts the tool measures the
attention mass the first part's cells put on the second part's area
(``mmsona.evaluation.functional.attention_mass``), split by whether the
two parts wear the same colour in that image. The identities of a group
differ only in which two of hat, belt and shoes share a colour, so a block
that models this relation attends more from the hat to the shoes when they
match. The upper garment never shares a relational colour and is the
control. Example::

    CFG=sona23_r18h-dilated_synthetic-relational
    python tools/analysis_tools/attention_mass.py configs/ablation/$CFG.py \\
        work_dirs/ablation_relational/$CFG/seed0/epoch_20.pth \\
        --picture attention_mass.png

It prints one table per attention block: mass when the colours match,
when they do not, their ratio, and the chance level (uniform attention).
"""
import argparse
import csv
import math
import os.path as osp
import statistics
import sys
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmsona.apis import FeatureExtractor, load_model_config
from mmsona.utils import UntrustedCheckpointError, add_model_arguments

# (source part, target part) pairs measured, the relational pairs first.
PAIRS: Tuple[Tuple[str, str], ...] = (
    ('hat', 'shoes'),
    ('hat', 'belt'),
    ('belt', 'shoes'),
    ('hat', 'upper'),
)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Attention mass between distant parts on the '
        'relational probe, split by whether the parts share a colour.')
    add_model_arguments(
        parser,
        config_help='config of the model (its test dataloader must be a '
        'relational SyntheticReID)')
    parser.add_argument(
        '--max-images',
        type=int,
        default=None,
        help='use at most this many test images (default: all)')
    parser.add_argument(
        '--batch-size', type=int, default=64, help='images per forward pass')
    parser.add_argument(
        '--picture',
        default=None,
        help='write one example per group member (the attention of the hat '
        'cell, last block) to this PNG')
    parser.add_argument(
        '--csv', default=None, help='also write the table rows to this CSV')
    parser.add_argument('--device', default='cpu', help='model device')
    args = parser.parse_args(argv)
    if args.max_images is not None and args.max_images < 1:
        parser.error('--max-images must be >= 1')
    return args


def _relational_plan(cfg):
    """The plan and root of the config's relational test benchmark."""
    from mmsona.datasets.synthetic import (get_preset, plan_benchmark,
                                           read_synthetic_marker)
    dataset = cfg.test_dataloader.dataset
    if dataset.get('difficulty') != 'relational':
        raise ValueError(
            'The config\'s test dataset must be SyntheticReID with '
            "difficulty='relational', got "
            f"{dataset.get('type')!r} / {dataset.get('difficulty')!r}.")
    root = dataset.data_root
    marker = read_synthetic_marker(root)
    if marker is None or not marker.get('complete'):
        raise ValueError(
            f'{root!r} holds no complete synthetic benchmark; generate it: '
            f'python tools/misc/make_synthetic_reid.py --out {root} '
            f'--size {dataset.get("size", "demo")} --difficulty relational')
    plan = plan_benchmark(
        get_preset(marker['preset']), marker['seed'], marker['difficulty'])
    return plan, root


def _test_people(plan, max_images: Optional[int]) -> List:
    """Person images of query and gallery, in path order."""
    specs = [
        s for s in plan.images if s.kind == 'person'
        and not s.relpath.startswith('bounding_box_train/')
    ]
    return specs[:max_images] if max_images else specs


def measure(extractor, plan, root: str, specs: Sequence,
            batch_size: int) -> Tuple[Dict, Dict]:
    """Attention masses of every block for every image and pair.

    Args:
        extractor (FeatureExtractor): The model and its test pipeline.
        plan (SyntheticPlan): The relational benchmark.
        root (str): Its folder (the images are read from there).
        specs (Sequence[ImageSpec]): Test person images.
        batch_size (int): Images per forward pass.

    Returns:
        tuple[dict, dict]: ``masses[stage][(src, tgt, match)]`` lists of
        per-image masses, and ``chance[stage][tgt]`` lists of chance
        levels.
    """
    import torch
    from mmengine.utils import ProgressBar

    from mmsona.datasets.synthetic import PART_LABELS, render_person_with_parts
    from mmsona.evaluation.functional import (attention_mass, chance_mass,
                                              part_fractions)
    from mmsona.visualization import find_sona_blocks, get_sona_attention

    stages = list(find_sona_blocks(extractor.model))
    if not stages:
        raise ValueError('The model has no attention block (backbone.'
                         'sona_stages is empty).')
    parts = sorted({p for pair in PAIRS for p in pair})
    codes = [PART_LABELS[p] for p in parts]
    index = {p: i for i, p in enumerate(parts)}
    masses: Dict = defaultdict(lambda: defaultdict(list))
    chance: Dict = defaultdict(lambda: defaultdict(list))
    bar = ProgressBar(len(specs))
    for start in range(0, len(specs), batch_size):
        batch = specs[start:start + batch_size]
        attrs = [plan.image_attributes(s) for s in batch]
        labels = np.stack([
            render_person_with_parts(
                a, plan.cameras[s.camera],
                np.random.default_rng([plan.seed, 2, s.index]),
                plan.preset.height, plan.preset.width)[1]
            for a, s in zip(attrs, batch)
        ])
        data = extractor.preprocess([osp.join(root, s.relpath) for s in batch])
        for stage in stages:
            with torch.no_grad():
                attn, feat_hw, _ = get_sona_attention(extractor.model,
                                                      data['inputs'], stage)
            frac = part_fractions(labels, codes, feat_hw)
            for src, tgt in PAIRS:
                mass = attention_mass(attn, frac[:, index[src]],
                                      frac[:, index[tgt]])
                level = chance_mass(frac[:, index[tgt]])
                for a, m, c in zip(attrs, mass.tolist(), level.tolist()):
                    if math.isnan(m):
                        continue
                    match = getattr(a, src) == getattr(a, tgt)
                    masses[stage][src, tgt, match].append(m)
                    chance[stage][tgt].append(c)
        for _ in batch:
            bar.update()
    print()
    return masses, chance


def summarise(masses: Dict, chance: Dict) -> List[dict]:
    """One table row per block and pair.

    Args:
        masses (dict): From :func:`measure`.
        chance (dict): From :func:`measure`.

    Returns:
        list[dict]: ``stage``, ``pair``, ``match`` / ``no_match`` (mean
        mass), ``n_match`` / ``n_no_match``, ``ratio`` and ``chance``.
    """
    rows = []
    for stage in sorted(masses):
        for src, tgt in PAIRS:
            yes = masses[stage].get((src, tgt, True), [])
            no = masses[stage].get((src, tgt, False), [])
            mean_yes = statistics.fmean(yes) if yes else float('nan')
            mean_no = statistics.fmean(no) if no else float('nan')
            rows.append(
                dict(
                    stage=stage,
                    pair=f'{src} -> {tgt}',
                    match=mean_yes,
                    no_match=mean_no,
                    n_match=len(yes),
                    n_no_match=len(no),
                    ratio=mean_yes / mean_no if yes and no else float('nan'),
                    chance=statistics.fmean(chance[stage][tgt])))
    return rows


def _fmt(value: float, spec: str = '.4f') -> str:
    return '-' if math.isnan(value) else format(value, spec)


def print_table(rows: List[dict]) -> None:
    """Print the rows as a Markdown table."""
    print('| block after stage | pair | mass, colours match | mass, no '
          'match | match / no match | chance | images (match / no) |')
    print('|---:|---|---:|---:|---:|---:|---:|')
    for r in rows:
        print(f"| {r['stage']} | {r['pair']} | {_fmt(r['match'])} | "
              f"{_fmt(r['no_match'])} | {_fmt(r['ratio'], '.2f')} | "
              f"{_fmt(r['chance'])} | {r['n_match']} / {r['n_no_match']} |")


def draw_examples(extractor, plan, root: str, specs: Sequence,
                  out_file: str) -> None:
    """One picture per group member: the hat cell's attention (last block).

    Args:
        extractor (FeatureExtractor): The model.
        plan (SyntheticPlan): The relational benchmark.
        root (str): Its folder.
        specs (Sequence[ImageSpec]): Candidate test images.
        out_file (str): PNG to write.
    """
    import cv2

    from mmsona.datasets.synthetic import (PART_LABELS, RELATIONS,
                                           render_person_with_parts)
    from mmsona.visualization import (ReIDVisualizer, cell_center,
                                      get_sona_attention)
    visualizer = ReIDVisualizer(name='attention_mass')
    panels = []
    for relation, pair in enumerate(RELATIONS):
        spec = next(
            (s
             for s in specs if plan.image_attributes(s).relation == relation),
            None)
        if spec is None:
            continue
        labels = render_person_with_parts(
            plan.image_attributes(spec), plan.cameras[spec.camera],
            np.random.default_rng([plan.seed, 2, spec.index]),
            plan.preset.height, plan.preset.width)[1]
        ys, xs = np.nonzero(labels == PART_LABELS['hat'])
        if not len(ys):
            continue
        image = cv2.imread(osp.join(root, spec.relpath))
        data = extractor.preprocess([image])
        attn, (fh, fw), stage = get_sona_attention(extractor.model,
                                                   data['inputs'])
        h, w = image.shape[:2]
        cell = (min(fh - 1, int(ys.mean() / h * fh)),
                min(fw - 1, int(xs.mean() / w * fw)))
        row = attn[0, cell[0] * fw + cell[1]].reshape(fh, fw)
        drawn = visualizer.draw_attention(
            image[..., ::-1],
            row,
            cell_center(cell, (h, w), (fh, fw)),
            scale=3.0,
            side_by_side=True)
        label = np.full((28, drawn.shape[1], 3), 255, np.uint8)
        cv2.putText(label, f'{pair[0]} = {pair[1]}', (6, 20),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
        panels.append(np.concatenate([label, drawn], 0))
    if not panels:
        raise ValueError('No test image with a visible hat was found.')
    gap = np.full((panels[0].shape[0], 8, 3), 255, np.uint8)
    picture = np.concatenate([p for panel in panels
                              for p in (panel, gap)][:-1], 1)
    cv2.imwrite(out_file, picture[..., ::-1])


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Measure and print from the command line."""
    args = parse_args(argv)
    try:
        cfg = load_model_config(args.config)
        plan, root = _relational_plan(cfg)
        extractor = FeatureExtractor(
            cfg,
            args.checkpoint,
            device=args.device,
            trust_checkpoint=args.trust_checkpoint)
    except (FileNotFoundError, ValueError, UntrustedCheckpointError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    specs = _test_people(plan, args.max_images)
    try:
        masses, chance = measure(extractor, plan, root, specs, args.batch_size)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    rows = summarise(masses, chance)
    print(f'{len(specs)} test images of {root}; attention mass from the '
          'first part of each pair onto the second:')
    print_table(rows)
    if args.csv:
        with open(args.csv, 'w', newline='') as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        print(f'Wrote {args.csv}')
    if args.picture:
        draw_examples(extractor, plan, root, specs, args.picture)
        print(f'Wrote {args.picture}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
