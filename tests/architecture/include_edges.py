#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every #include "..." of the project's own headers follows a link edge.

include_edges.py TARGET_GRAPH SOURCE_DIR [ARCHITECTURE_MD]

Libraries export reference-impl/ (or their own folder) as an include root,
so the compiler alone would let any file include any header. This test makes
CMake's graph the rule: a file of target T may include a header of library L
only when L is T or T links L (directly or through the libraries it links).
The graph is cmake/TargetGraph.cmake's (build/target-graph.tsv). A header
belongs to the library of its folder (or of the nearest folder above it up
to a folder with its own CMakeLists.txt); a library's headers are checked
as its own files. A bare name ("x.hpp") outside the including file's folder
must name one header only, or the test fails: the include path would decide.
With ARCHITECTURE_MD, the table of libraries there must match the graph:
each library's row names (in backquotes, in its last column) exactly the
project's libraries it links.
Exit status 0 when every include follows an edge (and the table matches),
1 otherwise (each culprit printed), 2 on bad arguments.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
HEADER_EXT = ('.hpp', '.h')
SOURCE_EXT = ('.cpp', '.c', '.hpp', '.h')


def read_graph(path):
    targets = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            name, kind, folder, sources, links = (line.rstrip('\n').split('\t') + [''] * 5)[:5]
            targets[name] = {
                'kind': kind,
                'dir': os.path.realpath(folder),
                'sources': [s for s in sources.split(';') if s],
                'links': [l for l in links.split(';') if l],
            }
    return targets


def closure(targets, name):
    seen, todo = {name}, [name]
    while todo:
        for dep in targets.get(todo.pop(), {}).get('links', []):
            if dep in targets and dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def check_table(targets, library_of_dir, path):
    """The libraries' rows of docs/ARCHITECTURE.md against the graph."""
    # Test libraries (tests/) may link anything: the table leaves them out.
    tests_dir = os.path.join(os.path.dirname(os.path.realpath(path)), '..', 'tests')
    tests_dir = os.path.realpath(tests_dir)
    libraries = {l for d, l in library_of_dir.items() if not d.startswith(tests_dir)}
    rows = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip('|').split('|')]
            if len(cells) >= 4 and re.fullmatch(r'`[\w-]+`', cells[0]):
                rows[cells[0].strip('`')] = set(re.findall(r'`([\w-]+)`', cells[-1]))
    failures = 0
    for lib in sorted(libraries):
        if lib not in rows:
            print('%s: library %s has no row in the table' % (path, lib))
            failures += 1
            continue
        linked = {l for l in targets[lib]['links'] if l in libraries}
        named = rows[lib] & libraries
        for l in sorted(linked - named):
            print('%s: %s links %s, which its row does not name' % (path, lib, l))
            failures += 1
        for l in sorted(named - linked):
            print('%s: %s\'s row names %s, which it does not link' % (path, lib, l))
            failures += 1
    for lib in sorted(set(rows) - libraries - set(targets)):
        print('%s: the table has a row for %s, which is no target' % (path, lib))
        failures += 1
    return failures


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    targets = read_graph(argv[1])
    top = os.path.realpath(argv[2])
    library_of_dir = {}
    for name, t in sorted(targets.items()):
        if t['kind'].endswith('LIBRARY') and t['dir'].startswith(top):
            library_of_dir.setdefault(t['dir'], name)

    def owner(path):
        d = os.path.dirname(path)
        while d.startswith(top) and d != top:
            if d in library_of_dir:
                return library_of_dir[d]
            if os.path.exists(os.path.join(d, 'CMakeLists.txt')):
                return None
            d = os.path.dirname(d)
        return None

    # Bare header names, for includes that rely on a library's own folder
    # being an include root.
    by_name = {}
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(('.', 'build'))]
        for f in files:
            if f.endswith(HEADER_EXT):
                by_name.setdefault(f, []).append(os.path.join(root, f))
    roots = [os.path.join(top, 'reference-impl'), os.path.join(top, 'tools'), top]

    def resolve(including, spec):
        here = os.path.join(os.path.dirname(including), spec)
        if os.path.exists(here):
            return os.path.realpath(here), None
        for r in roots:
            p = os.path.join(r, spec)
            if os.path.exists(p):
                return os.path.realpath(p), None
        if '/' not in spec:
            found = by_name.get(spec, [])
            if len(found) == 1:
                return os.path.realpath(found[0]), None
            if len(found) > 1:
                return None, 'names %d headers (%s): the include path decides which' % (
                    len(found), ', '.join(os.path.relpath(p, top) for p in found))
        return None, None  # generated or a system header

    # What each target's files are: its sources, and for a library the
    # headers of its folder too.
    files_of = {}
    for name, t in targets.items():
        if not t['dir'].startswith(top):
            continue
        files = set()
        for s in t['sources']:
            p = s if os.path.isabs(s) else os.path.join(t['dir'], s)
            if p.endswith(SOURCE_EXT) and os.path.exists(p):
                files.add(os.path.realpath(p))
        files_of[name] = files
    for path in [p for ps in by_name.values() for p in ps]:
        lib = owner(os.path.realpath(path))
        if lib:
            files_of.setdefault(lib, set()).add(os.path.realpath(path))

    failures = checked = 0
    for name in sorted(files_of):
        allowed = closure(targets, name)
        for path in sorted(files_of[name]):
            with open(path, encoding='utf-8', errors='replace') as f:
                text = f.read()
            for spec in INCLUDE.findall(text):
                target, problem = resolve(path, spec)
                rel = os.path.relpath(path, top)
                if problem:
                    print('%s (%s): #include "%s" %s' % (rel, name, spec, problem))
                    failures += 1
                    continue
                if not target:
                    continue
                lib = owner(target)
                checked += 1
                if lib and lib not in allowed:
                    print('%s (%s): #include "%s" is %s\'s header, but %s does not link %s '
                          '(directly or through its libraries)' % (rel, name, spec, lib, name, lib))
                    failures += 1
    if len(argv) == 4:
        failures += check_table(targets, library_of_dir, argv[3])
    print('include edges: %d includes of the project\'s headers checked in %d targets; %d problems'
          % (checked, len(files_of), failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
