"""Write the survivors report of a ``mutmut run`` and print kill rates.

``make mutation`` runs mutmut, then this script. It reads the results mutmut
keeps in ``mutants/`` (one ``.meta`` file of exit codes per mutated source
file, ``.spans`` line indexes into the generated file, and
``mutmut-stats.json``, the tests that reached each function) and writes to
``--out``:

- ``survivors.md``: every mutant no test killed (survived, no tests,
  suspicious runs), each with its file, line, the mutation as a diff and the
  tests that ran on it; mutants listed as equivalent in ``--equivalents``
  are kept apart, with their reason. Survivors whose change only another
  device or several processes could show are labelled ``device`` or
  ``collective`` (:func:`kind_of`);
- ``survivors.json``: the same records, for scripts;
- ``kill_rates.csv``: the per-module counts printed at the end.

The kill rate is killed (a test failed or timed out) over all mutants tested
or left without a covering test; equivalent mutants are left out of it.

Example:
    python tools/analysis_tools/mutation_report.py \
        --out work_dirs/mutation --equivalents docs/mutation.md
"""
import argparse
import ast
import csv
import difflib
import json
import os
import os.path as osp
import re
import textwrap
from typing import Dict, List, Optional, Tuple

# Exit codes of a mutant's test run, as mutmut 3 records them.
KILLED = {1, 3, 36, -24, 24, 152, 255}
SURVIVED = {0}
NO_TESTS = {5, 33}
NOT_CHECKED = {None}
SKIPPED = {34, 37}

CLASS_SEPARATOR = '\u01c1'
COLLECTIVE = re.compile(r'\b(all_reduce|all_gather|broadcast\w*)\(')
EQUIVALENT_ROW = re.compile(r'^\|\s*`(mmsona\.[^`]+__mutmut_\d+)`\s*\|(.*)\|')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='survivors report and kill rates of a mutmut run')
    parser.add_argument(
        'modules',
        nargs='*',
        help='source folders or files to report (default: every module '
        'mutmut mutated), e.g. mmsona/models/heads')
    parser.add_argument(
        '--mutants', default='mutants', help='mutmut\'s scratch folder')
    parser.add_argument(
        '--out', default='work_dirs/mutation', help='report folder')
    parser.add_argument(
        '--equivalents',
        help='a Markdown file whose table rows "| `mutant name` | change | '
        'reason |" list the equivalent mutants')
    return parser.parse_args()


def status_of(exit_code: Optional[int]) -> str:
    """mutmut's verdict for one mutant's exit code."""
    if exit_code in KILLED:
        return 'killed'
    if exit_code in SURVIVED:
        return 'survived'
    if exit_code in NO_TESTS:
        return 'no tests'
    if exit_code in NOT_CHECKED:
        return 'not checked'
    if exit_code in SKIPPED:
        return 'skipped'
    return 'suspicious'


def module_of(path: str, modules: List[str]) -> Optional[str]:
    """The requested module (folder or file) that holds ``path``."""
    for module in modules:
        module = module.rstrip('/')
        if path == module or path.startswith(module + '/'):
            return module
    return None


def function_names(mutant: str) -> Tuple[str, str, str, Optional[str]]:
    """Names of one mutant in the generated file and in the source.

    Args:
        mutant (str): e.g. ``mmsona.models.heads.dual_branch_head.``
            ``xǁDualBranchHeadǁforward__mutmut_3``.

    Returns:
        tuple: the mutant's function name in the generated file, the name of
        the unmutated copy there, the source function's name and its class
        (``None`` for a module-level function).
    """
    generated = mutant.rpartition('.')[2]
    mangled = generated.partition('__mutmut_')[0]
    if CLASS_SEPARATOR in mangled:
        _, class_name, name = mangled.split(CLASS_SEPARATOR)
    else:
        class_name, name = None, mangled[len('x_'):]
    return generated, mangled + '__mutmut_orig', name, class_name


def read_spans(mutants: str, path: str, names: List[str]) -> List[str]:
    """The source of generated functions, read through mutmut's line index."""
    with open(osp.join(mutants, path + '.spans')) as f:
        spans = json.load(f)['spans']
    with open(osp.join(mutants, path)) as f:
        lines = f.readlines()
    return [
        textwrap.dedent(''.join(lines[spans[n][0] - 1:spans[n][1]]))
        for n in names
    ]


def def_line(source: str, name: str, class_name: Optional[str]) -> int:
    """Line of ``def name`` (in ``class_name``) in a source file, or 0."""
    body = ast.parse(source).body
    if class_name is not None:
        classes = [
            n for n in body
            if isinstance(n, ast.ClassDef) and n.name == class_name
        ]
        body = classes[0].body if classes else []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                and node.name == name:
            return node.lineno
    return 0


def describe(mutants: str, path: str, mutant: str,
             source: str) -> Tuple[int, str]:
    """The source line a mutant changes and the change as a unified diff."""
    generated, original, name, class_name = function_names(mutant)
    orig_code, mutant_code = read_spans(mutants, path, [original, generated])
    orig_lines = orig_code.replace(original, name, 1).splitlines()
    mutant_lines = mutant_code.replace(generated, name, 1).splitlines()
    diff = '\n'.join(
        difflib.unified_diff(
            orig_lines,
            mutant_lines,
            fromfile=path,
            tofile=path,
            lineterm='',
            n=1))
    first_def = next((i for i, line in enumerate(orig_lines)
                      if line.lstrip().startswith(('def ', 'async def '))), 0)
    changed = next(
        (i
         for i, (a, b) in enumerate(zip(orig_lines, mutant_lines)) if a != b),
        min(len(orig_lines), len(mutant_lines)))
    start = def_line(source, name, class_name)
    return (start + changed - first_def if start else 0), diff


def kind_of(diff: str) -> str:
    """A label for a survivor whose change only one setting can show.

    ``'device'``: a ``device=`` argument or a ``.to(device)`` target is
    dropped or set to None, which changes nothing on the CPU the tests run
    on. ``'collective'``: the change is in a collective operation, which is
    the identity in one process. ``''`` otherwise.
    """
    removed = [
        line[1:] for line in diff.splitlines()
        if line.startswith('-') and not line.startswith('---')
    ]
    added = [
        line[1:] for line in diff.splitlines()
        if line.startswith('+') and not line.startswith('+++')
    ]
    if any(COLLECTIVE.search(line) for line in removed):
        return 'collective'
    old, new = ' '.join(removed), ' '.join(added)
    if ('device=' in old and
        ('device=None' in new or new.count('device=')
         < old.count('device='))) or ('.to(None)' in new and '.to(' in old):
        return 'device'
    return ''


def read_equivalents(path: Optional[str]) -> Dict[str, str]:
    """Mutant name -> reason, from the table rows of a Markdown file."""
    if not path:
        return {}
    reasons = {}
    with open(path) as f:
        for line in f:
            match = EQUIVALENT_ROW.match(line.strip())
            if match:
                cells = [c.strip() for c in match.group(2).split('|')]
                reasons[match.group(1)] = cells[-1] if cells else ''
    return reasons


def collect(mutants: str, modules: List[str]) -> List[dict]:
    """One record per mutant of the requested modules."""
    with open(osp.join(mutants, 'mutmut-stats.json')) as f:
        tests_by_function = json.load(f)['tests_by_mangled_function_name']
    records = []
    for root, _, files in os.walk(osp.join(mutants, 'mmsona')):
        for meta_name in sorted(files):
            if not meta_name.endswith('.py.meta'):
                continue
            path = osp.relpath(
                osp.join(root, meta_name[:-len('.meta')]), mutants)
            module = module_of(path, modules) if modules else osp.dirname(path)
            if module is None:
                continue
            with open(osp.join(mutants, path + '.meta')) as f:
                exit_codes = json.load(f)['exit_code_by_key']
            with open(path) as f:
                source = f.read()
            for mutant, exit_code in sorted(exit_codes.items()):
                record = dict(
                    mutant=mutant,
                    module=module,
                    file=path,
                    status=status_of(exit_code))
                if record['status'] not in ('killed', 'skipped'):
                    record['line'], record['diff'] = describe(
                        mutants, path, mutant, source)
                    record['kind'] = kind_of(record['diff'])
                    record['tests'] = sorted(
                        tests_by_function.get(
                            mutant.partition('__mutmut_')[0], []))
                records.append(record)
    return records


def kill_rates(records: List[dict]) -> List[dict]:
    """Per-module counts and kill rate (equivalents left out), then all."""
    counts = ('mutants', 'killed', 'survived', 'device', 'collective',
              'no_tests', 'equivalent', 'other')
    rows = {}
    for r in records:
        for module in (r['module'], 'all'):
            row = rows.setdefault(module, dict.fromkeys(counts, 0))
            row['mutants'] += 1
            key = r['status'].replace(' ', '_')
            row[key if key in row else 'other'] += 1
            if r['status'] == 'survived' and r.get('kind'):
                row[r['kind']] += 1
    out = []
    for module in sorted(rows, key=lambda m: (m == 'all', m)):
        row = dict(module=module, **rows[module])
        tested = row['mutants'] - row['equivalent']
        row['kill_rate'] = round(100.0 * row['killed'] /
                                 tested, 1) if tested else 100.0
        out.append(row)
    return out


def write_markdown(path: str, records: List[dict], rates: List[dict]):
    lines = ['# Mutation survivors', '']
    lines += [
        '| module | mutants | killed | survived (device, collective) '
        '| no tests | equivalent | kill rate |',
        '|---|---|---|---|---|---|---|'
    ]
    for row in rates:
        lines.append(f"| {row['module']} | {row['mutants']} | "
                     f"{row['killed']} | {row['survived']} ({row['device']}, "
                     f"{row['collective']}) | {row['no_tests']} | "
                     f"{row['equivalent']} | {row['kill_rate']:.1f}% |")
    for title, wanted in (('Open survivors', ('survived', 'no tests',
                                              'suspicious', 'not checked')),
                          ('Equivalent mutants', ('equivalent', ))):
        chosen = [r for r in records if r['status'] in wanted]
        lines += ['', f'## {title} ({len(chosen)})', '']
        for r in chosen:
            kind = f", {r['kind']}" if r.get('kind') else ''
            lines += [
                f"### {r['file']}:{r['line']} `{r['mutant']}` "
                f"({r['status']}{kind})", ''
            ]
            if r.get('reason'):
                lines += [f"Equivalent: {r['reason']}", '']
            lines += ['```diff', r['diff'], '```', '']
            tests = r['tests'] or ['(none)']
            lines += [
                f'Tests that ran ({len(r["tests"])}): ' +
                ', '.join(f'`{t}`' for t in tests), ''
            ]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main():
    args = parse_args()
    records = collect(args.mutants, args.modules)
    equivalents = read_equivalents(args.equivalents)
    for r in records:
        if r['mutant'] in equivalents and r['status'] == 'survived':
            r['status'] = 'equivalent'
            r['reason'] = equivalents[r['mutant']]
    stale = sorted(r['mutant'] for r in records
                   if r['mutant'] in equivalents and r['status'] == 'killed')
    rates = kill_rates(records)
    os.makedirs(args.out, exist_ok=True)
    write_markdown(osp.join(args.out, 'survivors.md'), records, rates)
    with open(osp.join(args.out, 'survivors.json'), 'w') as f:
        json.dump([r for r in records if r['status'] != 'killed'], f, indent=1)
    if rates:
        with open(osp.join(args.out, 'kill_rates.csv'), 'w', newline='') as f:
            writer = csv.DictWriter(f, fieldnames=list(rates[0]))
            writer.writeheader()
            writer.writerows(rates)
    print(f"{'module':32s} {'mutants':>7s} {'killed':>6s} {'surv.':>5s} "
          f"{'(dev.':>5s} {'coll.)':>6s} {'no t.':>5s} {'equiv.':>6s} "
          f"{'kill rate':>9s}")
    for row in rates:
        print(f"{row['module']:32s} {row['mutants']:7d} {row['killed']:6d} "
              f"{row['survived']:5d} {row['device']:5d} "
              f"{row['collective']:6d} {row['no_tests']:5d} "
              f"{row['equivalent']:6d} {row['kill_rate']:8.1f}%")
    for name in stale:
        print(f'listed as equivalent but killed now: {name}')
    print(f'report: {osp.join(args.out, "survivors.md")}')


if __name__ == '__main__':
    main()
