#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The syzkaller description (sys/linux/numaclaim.txt) against the uapi
# header, without syzkaller (it is not in Debian):
#
# - every ioctl of the header (a #define NUMACLAIM_* made with _IO, _IOR,
#   _IOW or _IOWR) has ioctl$NAME with cmd const[NAME] (by name, never a
#   number) and, for one with a struct, arg ptr[DIR, STRUCT] where DIR
#   follows the macro (_IOW in, _IOR out, _IOWR inout);
# - every struct numaclaim_* of the header is described with the same
#   fields in the same order, each of the same width (int32 for __u32,
#   int64 or ptr64 for __u64), and no field the header lacks;
# - every other #define NUMACLAIM_* (flags, masks, NUMACLAIM_ANY_NODE)
#   appears in the description, except the magic and the header guard;
# - the description is well formed as far as can be seen without
#   syzkaller: (), [] and {} balanced on each line and in the file, struct
#   bodies closed, each struct, flag set and resource it uses defined (or
#   one of syzkaller's own), no name defined twice, an include of the
#   header, openat$numaclaim on /dev/numaclaim returning fd_numaclaim,
#   and an mmap of the context's fd.
#
# usage: scripts/syzcheck.py [--selftest] HEADER DESCRIPTION; exits 1 on
# any problem. --selftest checks the pair, then that each of a list of
# breakages of the description (an ioctl, a struct, a field or a constant
# left out, a wrong width or direction, a number for an ioctl, a brace
# left open, an undefined struct or flag set) is caught.
import os
import re
import sys
import tempfile

# syzkaller's own types, flag sets and resources this description may use
# (prog types and sys/linux/sys.txt).
BUILTIN_TYPES = {
    'int8', 'int16', 'int32', 'int64', 'intptr', 'const', 'flags', 'len',
    'bytesize', 'ptr', 'ptr64', 'array', 'string', 'vma', 'vma64', 'fd',
    'buffer', 'void', 'fileoff', 'proc', 'text', 'stringnoz', 'filename',
}
BUILTIN_FLAGS = {'open_flags', 'mmap_prot', 'mmap_flags', 'fallocate_mode'}
BUILTIN_CONSTS = {'AT_FDCWD'}
DIRS = {'_IOW': 'in', '_IOR': 'out', '_IOWR': 'inout', '_IO': None}

problems = []


def problem(msg):
    problems.append(msg)


def parse_header(path):
    text = open(path).read()
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = text.replace('\\\n', ' ')
    ioctls, consts, structs = {}, [], {}
    for m in re.finditer(r'^#define\s+(NUMACLAIM_\w+)\s+(.*)$', text, re.M):
        name, value = m.group(1), m.group(2).strip()
        io = re.match(r'(_IOWR|_IOW|_IOR|_IO)\s*\(\s*NUMACLAIM_IOC_MAGIC\s*,'
                      r'\s*(\w+)\s*(?:,\s*struct\s+(\w+)\s*)?\)$', value)
        if io:
            ioctls[name] = (io.group(1), io.group(3))
        elif re.match(r'_IO', value):
            problem(f'header: {name}: an ioctl this check cannot read: {value}')
        elif name != 'NUMACLAIM_IOC_MAGIC':
            consts.append(name)
    for m in re.finditer(r'struct\s+(numaclaim_\w+)\s*\{(.*?)\};', text, re.S):
        fields = []
        for f in m.group(2).split(';'):
            f = f.strip()
            if not f:
                continue
            fm = re.match(r'(__u32|__u64|__aligned_u64)\s+(\w+)$', f)
            if not fm:
                problem(f'header: struct {m.group(1)}: a member this check '
                        f'cannot read: {f}')
                continue
            fields.append((fm.group(2), 4 if fm.group(1) == '__u32' else 8))
        structs[m.group(1)] = fields
    return ioctls, consts, structs


def balanced(s):
    pairs, stack = {')': '(', ']': '[', '}': '{'}, []
    for c in s:
        if c in '([{':
            stack.append(c)
        elif c in ')]}':
            if not stack or stack.pop() != pairs[c]:
                return False
    return not stack


def split_args(s):
    """Split at top-level commas."""
    out, depth, cur = [], 0, ''
    for c in s:
        if c in '([':
            depth += 1
        elif c in ')]':
            depth -= 1
        if c == ',' and depth == 0:
            out.append(cur.strip())
            cur = ''
        else:
            cur += c
    if cur.strip():
        out.append(cur.strip())
    return out


def parse_description(path):
    lines = open(path).read().split('\n')
    d = {'includes': [], 'resources': {}, 'calls': {}, 'flags': {},
         'structs': {}, 'text': ''}
    body = []
    defined = {}
    cur = None
    for n, raw in enumerate(lines, 1):
        # Comments are whole lines in syzlang.
        line = '' if raw.lstrip().startswith('#') else raw.rstrip()
        if not line.strip():
            continue
        body.append(line)
        if not balanced(re.sub(r'"[^"]*"', '', line)) and line.strip() not in ('}', ']') \
                and not re.match(r'^\w+ [{\[]$', line.strip()):
            problem(f'{path}:{n}: unbalanced brackets: {line.strip()}')
        if cur is not None:
            if line.strip() in ('}', ']') or re.match(r'^[}\]]\s*\[', line.strip()):
                d['structs'][cur] = fields
                cur = None
                continue
            fm = re.match(r'^\t(\w+)\t+(\S.*?)(?:\t+\((in|out|inout)\))?$', line)
            if not fm:
                problem(f'{path}:{n}: not a field ("\\tNAME\\tTYPE"): {line.strip()}')
                continue
            fields.append((fm.group(1), fm.group(2).strip(), fm.group(3), n))
            continue
        m = re.match(r'^include <([^>]+)>$', line)
        if m:
            d['includes'].append(m.group(1))
            continue
        m = re.match(r'^resource (\w+)\[(\w+)\](?::\s*(.*))?$', line)
        if m:
            kind, name = 'resource', m.group(1)
            d['resources'][name] = m.group(2)
        elif re.match(r'^(\w+) = ', line):
            m = re.match(r'^(\w+) = (.*)$', line)
            kind, name = 'flags', m.group(1)
            d['flags'][name] = [v.strip() for v in m.group(2).split(',')]
        elif re.match(r'^(\w+) [{\[]$', line):
            m = re.match(r'^(\w+) [{\[]$', line)
            kind, name = 'struct', m.group(1)
            cur, fields = name, []
        elif re.match(r'^(\w+(?:\$\w+)?)\((.*)\)(?: (\w+))?$', line):
            m = re.match(r'^(\w+(?:\$\w+)?)\((.*)\)(?: (\w+))?$', line)
            kind, name = 'call', m.group(1)
            args = []
            for a in split_args(m.group(2)):
                am = re.match(r'^(\w+) (.+)$', a)
                if not am:
                    problem(f'{path}:{n}: {name}: not an argument: {a}')
                    continue
                args.append((am.group(1), am.group(2)))
            d['calls'][name] = (args, m.group(3), n)
        else:
            problem(f'{path}:{n}: not a syzlang line this check knows: {line.strip()}')
            continue
        if name in defined:
            problem(f'{path}:{n}: {name} defined twice (first on line {defined[name]})')
        defined[name] = n
    if cur is not None:
        problem(f'{path}: struct {cur} is not closed')
    text = '\n'.join(body)
    if not balanced(re.sub(r'"[^"]*"', '', text)):
        problem(f'{path}: unbalanced brackets in the file')
    d['text'] = text
    return d


def type_names(t):
    """(type name, arguments) of every type mentioned in a syzlang type."""
    out = []
    for m in re.finditer(r'(\w+)(\[)?', re.sub(r'"[^"]*"', '""', t)):
        out.append(m.group(1))
    return out


def width(t, d):
    base = re.match(r'^(\w+)', t).group(1)
    if base in ('int64', 'ptr64'):
        return 8
    if base == 'int32':
        return 4
    if base in ('flags', 'const', 'len', 'bytesize'):
        m = re.search(r',\s*(int\d+)\]$', t)
        return int(m.group(1)[3:]) // 8 if m else None
    if base in d['resources']:
        r = d['resources'][base]
        while r in d['resources']:
            r = d['resources'][r]
        return {'int32': 4, 'int64': 8, 'fd': 4}.get(r)
    return None


def check(header, desc):
    ioctls, consts, structs = parse_header(header)
    d = parse_description(desc)
    words = set(re.findall(r'\b\w+\b', re.sub(r'"[^"]*"', '', d['text'])))

    if not ioctls or not structs:
        problem(f'{header}: found {len(ioctls)} ioctls, {len(structs)} structs')
    if not any(i.endswith('linux/numaclaim.h') for i in d['includes']):
        problem(f'{desc}: no include of <uapi/linux/numaclaim.h>')

    # The ioctls, by name, with their argument's struct and direction.
    for name, (macro, struct) in sorted(ioctls.items()):
        call = d['calls'].get('ioctl$' + name)
        if not call:
            problem(f'{desc}: no ioctl${name}')
            continue
        args = dict(call[0])
        if args.get('cmd') != f'const[{name}]':
            problem(f'{desc}:{call[2]}: ioctl${name}: cmd is {args.get("cmd")}, '
                    f'want const[{name}]')
        if struct:
            want = f'ptr[{DIRS[macro]}, {struct}]'
            if args.get('arg') != want:
                problem(f'{desc}:{call[2]}: ioctl${name}: arg is {args.get("arg")}, '
                        f'want {want} ({macro})')
        if not re.match(r'^fd_numaclaim$', args.get('fd', '')):
            problem(f'{desc}:{call[2]}: ioctl${name}: fd is not fd_numaclaim')
    for name, (args, _, n) in d['calls'].items():
        if name.startswith('ioctl$'):
            cmd = dict(args).get('cmd', '')
            if not re.match(r'^const\[NUMACLAIM_IOC_\w+\]$', cmd):
                problem(f'{desc}:{n}: {name}: cmd {cmd} is not an ioctl by name')
            elif cmd[6:-1] not in ioctls:
                problem(f'{desc}:{n}: {name}: {cmd[6:-1]} is not in {header}')

    # The structs, field by field.
    for sname, hfields in sorted(structs.items()):
        dfields = d['structs'].get(sname)
        if dfields is None:
            problem(f'{desc}: no struct {sname}')
            continue
        hnames = [f[0] for f in hfields]
        dnames = [f[0] for f in dfields]
        for f in hnames:
            if f not in dnames:
                problem(f'{desc}: {sname}: no field {f}')
        for f in dnames:
            if f not in hnames:
                problem(f'{desc}: {sname}: field {f} is not in the header')
        if [f for f in dnames if f in hnames] != [f for f in hnames if f in dnames]:
            problem(f'{desc}: {sname}: fields in another order than the header\'s')
        hw = dict(hfields)
        for fname, ftype, _, n in dfields:
            w = width(ftype, d)
            if fname in hw and w is not None and w != hw[fname]:
                problem(f'{desc}:{n}: {sname}.{fname}: {w} bytes, the header has {hw[fname]}')
            elif fname in hw and w is None and not ftype.startswith('array'):
                problem(f'{desc}:{n}: {sname}.{fname}: cannot tell the width of {ftype}')

    # The constants.
    for c in consts:
        if c not in words:
            problem(f'{desc}: {c} is not used')

    # Every name used is defined: structs, flag sets, resources.
    known = (set(d['structs']) | set(d['flags']) | set(d['resources']) |
             BUILTIN_TYPES | BUILTIN_FLAGS)
    uses = [(t, n) for _, (args, ret, n) in d['calls'].items() for _, t in args]
    uses += [(ret, n) for _, (args, ret, n) in d['calls'].items() if ret]
    uses += [(t, n) for fields in d['structs'].values() for _, t, _, n in fields]
    fieldnames = {f[0] for fields in d['structs'].values() for f in fields}
    for t, n in uses:
        for m in re.finditer(r'flags\[(\w+)', t):
            if m.group(1) not in d['flags'] and m.group(1) not in BUILTIN_FLAGS:
                problem(f'{desc}:{n}: flag set {m.group(1)} is not defined')
        for m in re.finditer(r'(?:ptr64|ptr)\[\w+,\s*(?:array\[)?(\w+)', t):
            if m.group(1) not in known:
                problem(f'{desc}:{n}: struct {m.group(1)} is not defined')
        for m in re.finditer(r'len\[(\w+)', t):
            if m.group(1) not in fieldnames and m.group(1) != 'addr':
                problem(f'{desc}:{n}: len of {m.group(1)}, which is no field')
        lead = re.match(r'^(\w+)', t).group(1)
        if lead not in known:
            problem(f'{desc}:{n}: type {lead} is not defined')
    for name, values in d['flags'].items():
        for v in values:
            if not re.match(r'^(\d+|0x[0-9a-fA-F]+|NUMACLAIM_\w+)$', v):
                problem(f'{desc}: {name}: value {v} is neither a number nor a NUMACLAIM_ constant')
            if v.startswith('NUMACLAIM_') and v not in consts:
                problem(f'{desc}: {name}: {v} is not in {header}')
    for r, base in d['resources'].items():
        if base not in d['resources'] and base not in ('fd', 'int32', 'int64', 'intptr'):
            problem(f'{desc}: resource {r}: base {base} is not defined')

    # The device and its mapping.
    op = d['calls'].get('openat$numaclaim')
    if not op or '"/dev/numaclaim"' not in dict(op[0]).get('file', '') or op[1] != 'fd_numaclaim':
        problem(f'{desc}: no openat$numaclaim of "/dev/numaclaim" answering fd_numaclaim')
    if not any(n.startswith('mmap$') and dict(a).get('fd') == 'fd_numaclaim'
               for n, (a, _, _) in d['calls'].items()):
        problem(f'{desc}: no mmap$... of fd_numaclaim')

    return ioctls, consts, structs, d


# (what is broken, regex, replacement): each must make the check fail.
BREAKAGES = [
    ('ioctl$NUMACLAIM_IOC_EXPORT left out', r'(?m)^ioctl\$NUMACLAIM_IOC_EXPORT\(.*\n', ''),
    ('struct numaclaim_release left out', r'(?s)numaclaim_release \{.*?\n\}\n', ''),
    ('field numaclaim_info.busy_pages left out', r'(?m)^\tbusy_pages\t.*\n', ''),
    ('NUMACLAIM_ALLOC_UNCLAIMED left out', r'NUMACLAIM_ALLOC_UNCLAIMED, ', ''),
    ('NUMACLAIM_ANY_NODE left out', r', NUMACLAIM_ANY_NODE', ''),
    ('numaclaim_alloc.node as int64', r'(?m)^(\tnode\t+)flags\[numaclaim_nodes, int32\](\n\tflags\t+flags\[numaclaim_alloc)',
     r'\1int64\2'),
    ('INFO as ptr[in, ...]', r'ptr\[inout, numaclaim_info\]', 'ptr[in, numaclaim_info]'),
    ('ALLOC by number', r'const\[NUMACLAIM_IOC_ALLOC\]', 'const[0xc028b901]'),
    ('a brace left open', r'(?m)^(numaclaim_pool \{(?:\n\t.*)*)\n\}', r'\1'),
    ('an undefined struct', r'array\[numaclaim_claim_entry', 'array[numaclaim_claim_entri'),
    ('an undefined flag set', r'flags\[numaclaim_max_flags', 'flags[numaclaim_max_flag'),
    ('fields swapped', r'(?m)^(\tpool_pages\tint64)\n(\tfree_pages\tint64)\n', r'\2\n\1\n'),
]


def selftest(header, desc):
    text = open(desc).read()
    bad = 0
    for what, pat, rep in BREAKAGES:
        broken, n = re.subn(pat, rep, text, count=1)
        if n != 1:
            print(f'syzcheck: selftest: "{what}": the pattern no longer matches')
            bad += 1
            continue
        with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as f:
            f.write(broken)
        problems.clear()
        check(header, f.name)
        os.unlink(f.name)
        if problems:
            print(f'syzcheck: selftest: {what}: caught: {problems[0].replace(f.name, "DESC")}')
        else:
            print(f'syzcheck: selftest: {what}: NOT caught')
            bad += 1
    problems.clear()
    return bad


def main():
    args = sys.argv[1:]
    test = args[:1] == ['--selftest']
    if test:
        args = args[1:]
    if len(args) != 2:
        print('usage: syzcheck.py [--selftest] HEADER DESCRIPTION', file=sys.stderr)
        return 2
    if test and selftest(*args):
        return 1
    ioctls, consts, structs, d = check(*args)
    for p in problems:
        print(f'syzcheck: {p}')
    nfields = sum(len(f) for f in structs.values())
    print(f'syzcheck: {len(ioctls)} ioctls, {len(structs)} structs ({nfields} fields), '
          f'{len(consts)} constants of the header; {len(d["calls"])} calls, '
          f'{len(d["structs"])} structs, {len(d["flags"])} flag sets in the description: '
          f'{len(problems)} problems')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
