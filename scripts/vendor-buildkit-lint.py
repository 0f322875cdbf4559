#!/usr/bin/env python3
"""Extracts BuildKit's build-check test cases (frontend/dockerfile/dockerfile_check_test.go) as data:
each case's Dockerfile, .dockerignore, build args, BUILDKIT_DOCKERFILE_CHECK and the expected rule hits
(rule name + line; the lint subrequest's list, which covers every stage). Linux variants are taken where
a case differs per OS. Usage: vendor-buildkit-lint.py check_test.go > cases.json"""
import json, re, sys

src = open(sys.argv[1]).read()
funcs = re.split(r'\nfunc ', src)
cases = []
unix = re.compile(r'integration\.UnixOrWindows\(\s*("(?:[^"\\]|\\.)*"|`[^`]*`)\s*,\s*("(?:[^"\\]|\\.)*"|`[^`]*`)\s*,?\s*\)', re.S)

def lit(s):
    s = s.strip()
    if s.startswith('`'):
        return s[1:-1]
    return json.loads(s)

def resolve(arg, body):
    arg = arg.strip()
    m = unix.fullmatch(arg)
    if m:
        return lit(m.group(1))
    if arg[0] in '"`':
        return lit(arg)
    m = re.search(r'\b' + re.escape(arg) + r'\s*:?=\s*(integration\.UnixOrWindows\([^)]*\))', body)
    if m:
        return resolve(m.group(1), body)
    raise ValueError(arg)

def split_args(text):
    out, depth, cur, q = [], 0, '', None
    for ch in text:
        if q:
            cur += ch
            if ch == q:
                q = None
            continue
        if ch in '"`':
            q = ch
        elif ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
        if ch == ',' and depth == 0:
            out.append(cur); cur = ''
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return out

def dockerfile_of(expr, body):
    expr = expr.strip()
    m = re.fullmatch(r'\[\]byte\((`[^`]*`)\)', expr, re.S)
    if m:
        return lit(m.group(1))
    m = re.fullmatch(r'\[\]byte\((integration\.UnixOrWindows\(.*\))\)', expr, re.S)
    if m:
        return resolve(m.group(1), body)
    m = re.fullmatch(r'fmt\.Appendf\(nil,\s*(`[^`]*`)\s*,(.*)\)', expr, re.S)
    if m:
        template = lit(m.group(1))
        args = [resolve(a, body) for a in split_args(m.group(2))]
        parts = template.split('%s')
        return parts[0] + ''.join(a + t for a, t in zip(args, parts[1:]))
    raise ValueError(expr[:60])

def warnings_of(block, key, body):
    m = re.search(r'\b' + key + r':\s*\[\]expectedLintWarning\{', block)
    if not m:
        return None
    depth, i = 1, m.end()
    while depth:
        depth += {'{': 1, '}': -1}.get(block[i], 0); i += 1
    part = block[m.end():i]
    hits = []
    for w in re.finditer(r'RuleName:\s*"(\w+)".*?Line:\s*(\d+)', part, re.S):
        hits.append({'rule': w.group(1), 'line': int(w.group(2))})
    for w in re.finditer(r'makeLintWarning\("(\w+)",\s*(\d+)\)', part):
        rule = re.search(r'RuleName:\s*"(\w+)"', body).group(1)
        hits.append({'rule': rule, 'line': int(w.group(2))})
    return sorted(hits, key=lambda h: (h['line'], h['rule']))

for f in funcs:
    name = f.split('(')[0]
    if not name.startswith('test') or name == 'testBaseImagePlatformMismatch':
        continue
    body = f
    pos, n, dockerfile, ignore = 0, 0, None, None
    pattern = re.compile(r'(dockerfile|dockerignore)\s*:?=\s*|DockerIgnore: (\[\]byte\(`[^`]*`\))|checkLinterWarnings\(t, sb, &lintTestParams\{', re.S)
    while True:
        m = pattern.search(body, pos)
        if not m:
            break
        if m.group(1):
            # expression runs to the matching close paren
            start = m.end(); depth = 0; i = start; q = None
            while True:
                ch = body[i]
                if q:
                    if ch == q: q = None
                elif ch in '"`': q = ch
                elif ch == '(': depth += 1
                elif ch == ')':
                    depth -= 1
                    if depth == 0: i += 1; break
                i += 1
            expr = body[start:i]
            if m.group(1) == 'dockerfile':
                dockerfile = dockerfile_of(expr, body)
            else:
                ignore = lit(re.fullmatch(r'\[\]byte\((`[^`]*`)\)', expr.strip(), re.S).group(1))
            pos = i
            continue
        if m.group(2):
            ignore = lit(m.group(2)[7:-1]); pos = m.end(); continue
        depth, i = 1, m.end()
        while depth:
            depth += {'{': 1, '}': -1}.get(body[i], 0); i += 1
        block = body[m.end():i]
        own_ignore = re.search(r'DockerIgnore:\s*(\[\]byte\(`[^`]*`\)|dockerignore)', block)
        if own_ignore and own_ignore.group(1).startswith('[]'):
            ignore_here = lit(own_ignore.group(1)[7:-1])
        elif own_ignore:
            ignore_here = ignore
        else:
            ignore_here = None
        attrs = dict(re.findall(r'"(build-arg:[\w]+)":\s*("[^"]*"|integration\.UnixOrWindows\([^)]*\))', block))
        attrs = {k: resolve(v, body) for k, v in attrs.items()}
        hits = warnings_of(block, 'UnmarshalWarnings', body)
        if hits is None:
            hits = warnings_of(block, 'Warnings', body) or []
        n += 1
        case = {'name': f'{name[4:]}-{n}', 'dockerfile': dockerfile, 'expected': hits}
        if ignore_here is not None:
            case['dockerignore'] = ignore_here
        check = attrs.pop('build-arg:BUILDKIT_DOCKERFILE_CHECK', None)
        if check is not None:
            case['checkOption'] = check
        if attrs:
            case['buildArgs'] = {k[len('build-arg:'):]: v for k, v in attrs.items()}
        err = re.search(r'BuildErr:\s*"((?:[^"\\]|\\.)*)"', block)
        if err and 'lint violation' in err.group(1):
            case['lintError'] = True
        elif err or 'BuildErr' in block:
            case['buildFails'] = True
        cases.append(case)
        pos = i

json.dump(cases, sys.stdout, indent=2)
print()
