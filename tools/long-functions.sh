#!/usr/bin/env bash
# Lists functions (func and init bodies) longer than a limit, longest first:
#   tools/long-functions.sh [LIMIT=80] [DIR=Sources]
# A function's length is the lines from its declaration to its closing brace. Braces in
# strings (with interpolation) and comments are skipped. Exits 0 either way (a report).
limit=${1:-80}
dir=${2:-Sources}
cd "$(dirname "$0")/.." || exit 1
python3 - "$limit" "$dir" <<'PY'
import os, re, sys

def code_mask(src):
    """src with string and comment contents replaced by spaces (newlines kept)."""
    out = list(src)
    i, n = 0, len(src)
    # Stack of contexts: ('code', paren_depth) inside interpolations, ('str', hashes, triple).
    stack = [('code', 0)]
    def blank(a, b):
        for k in range(a, b):
            if out[k] != '\n':
                out[k] = ' '
    while i < n:
        top = stack[-1]
        c = src[i]
        if top[0] == 'code':
            if src.startswith('//', i):
                j = src.find('\n', i)
                j = n if j < 0 else j
                blank(i, j); i = j; continue
            if src.startswith('/*', i):
                depth, j = 1, i + 2
                while j < n and depth:
                    if src.startswith('/*', j): depth += 1; j += 2
                    elif src.startswith('*/', j): depth -= 1; j += 2
                    else: j += 1
                blank(i, j); i = j; continue
            m = re.compile(r'(#*)("""|")').match(src, i)
            if m and (m.group(1) == '' or True) and (c == '"' or c == '#') and m.start() == i:
                hashes, quote = len(m.group(1)), m.group(2)
                stack.append(('str', hashes, quote))
                i = m.end(); continue
            if c == '(' and len(stack) > 1:
                stack[-1] = ('code', top[1] + 1)
            elif c == ')' and len(stack) > 1:
                if top[1] == 0:
                    stack.pop(); i += 1; continue
                stack[-1] = ('code', top[1] - 1)
            i += 1
        else:
            _, hashes, quote = top
            esc = '\\' + '#' * hashes
            if src.startswith(esc + '(', i):
                blank(i, i + len(esc) + 1)
                stack.append(('code', 0)); i += len(esc) + 1; continue
            if src.startswith(esc, i) and i + len(esc) < n:
                blank(i, i + len(esc) + 1); i += len(esc) + 1; continue
            close = quote + '#' * hashes
            if src.startswith(close, i):
                stack.pop(); i += len(close); continue
            if out[i] != '\n':
                out[i] = ' '
            i += 1
    return ''.join(out)

decl = re.compile(r'(?<![.\w])(?:func\s+([^\s(<]+)|(init)[?!]?)\s*[(<]')
limit = int(sys.argv[1])
found = []
paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(sys.argv[2]) for f in fs if f.endswith('.swift'))
for path in paths:
    src = open(path, encoding='utf-8').read()
    code = code_mask(src)
    for m in decl.finditer(code):
        # Find the body's opening brace: the first '{' outside parentheses/brackets; a
        # declaration without a body (protocol requirement) meets '}' or another decl first.
        depth, j, body = 0, m.end() - 1, None
        while j < len(code):
            ch = code[j]
            if ch in '([': depth += 1
            elif ch in ')]': depth -= 1
            elif depth == 0 and ch == '{': body = j; break
            elif depth == 0 and ch in '};': break
            elif depth == 0 and ch == '\n' and re.match(r'\s*(?:@|(?:public|private|fileprivate|internal|static|mutating|override|final|func|var|let|case|init)\b)', code[j+1:]): break
            j += 1
        if body is None:
            continue
        depth, k = 0, body
        while k < len(code):
            if code[k] == '{': depth += 1
            elif code[k] == '}':
                depth -= 1
                if depth == 0: break
            k += 1
        first = code.count('\n', 0, m.start()) + 1
        last = code.count('\n', 0, k) + 1
        lines = last - first + 1
        if lines > limit:
            found.append((lines, f'{path}:{first}', m.group(1) or m.group(2)))
for lines, where, name in sorted(found, key=lambda t: (-t[0], t[1])):
    print(f'{lines:5d}  {where}  {name}')
PY
