#!/usr/bin/env python3
"""Prints the import graph between the top-level modules (domain folders and files) of a
Rust crate, read from its `crate::X` paths outside `#[cfg(test)] mod tests`, and fails
when the graph has a cycle (docs/ARCHITECTURE.md: dependencies point one way).

    python3 scripts/check-module-graph.py crates/server/src
"""
import re, sys, os, collections
root = sys.argv[1]
edges = collections.defaultdict(set)
where = collections.defaultdict(list)
for dirpath, _, files in os.walk(root):
    for f in files:
        if not f.endswith('.rs'): continue
        path = os.path.join(dirpath, f)
        rel = os.path.relpath(path, root)
        top = rel.split(os.sep)[0].removesuffix('.rs')
        if top in ('lib', 'main'): continue
        text = open(path).read()
        # drop #[cfg(test)] mod tests { ... } roughly: cut at '#[cfg(test)]\nmod tests'
        text = re.split(r'#\[cfg\(test\)\]\s*mod tests', text)[0]
        text = re.sub(r'//.*', '', text)
        refs = set(re.findall(r'crate::(\w+)', text))
        # grouped imports: use crate::{a, b::c}
        for group in re.findall(r'crate::\{([^}]*)\}', text, re.S):
            for item in group.split(','):
                item = item.strip()
                if item: refs.add(re.split(r'\W', item)[0])
        for r in refs:
            if r != top and r not in ('self',):
                edges[top].add(r)
                where[(top, r)].append(rel)
# Tarjan SCC
index = {}; low = {}; stack = []; on = set(); sccs = []; i = [0]
nodes = set(edges) | {b for a in edges for b in edges[a]}
sys.setrecursionlimit(10000)
def strong(v):
    index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in index: strong(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        sccs.append(comp)
for v in sorted(nodes):
    if v not in index: strong(v)
cycles = [sorted(c) for c in sccs if len(c) > 1]
for a in sorted(edges):
    print(f"{a} -> {', '.join(sorted(edges[a]))}")
if cycles:
    print("\nCYCLES:")
    for c in cycles:
        print("  " + " <-> ".join(c))
        for a in c:
            for b in c:
                if b in edges.get(a, ()):
                    print(f"     {a} -> {b}: {', '.join(sorted(set(where[(a,b)])))}")
    sys.exit(1)
print("\nno cycles")
