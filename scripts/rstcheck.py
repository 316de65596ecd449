#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# rstcheck.py FILE.rst...: parse each file with docutils alone and fail on
# any warning or error, for `make docs` where sphinx-build is not
# installed. What Documentation/ uses of Sphinx's own markup (the toctree
# directive, the :doc: role) is accepted without being checked;
# everything else is plain reStructuredText. Exits 1 when a file has a problem.

import io
import sys

try:
    import docutils.core
    import docutils.utils
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives, roles
except ImportError:
    sys.exit('rstcheck: neither sphinx-build nor docutils: install '
             'python3-sphinx or python3-docutils (make deps)')


class Ignored(Directive):
    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = None

    def run(self):
        return []


# A Directive with option_spec None takes no options: allow any.
class AnyOptions(dict):
    def __missing__(self, key):
        return directives.unchanged


Ignored.option_spec = AnyOptions()
directives.register_directive('toctree', Ignored)


# :doc:`name`, Sphinx's link to another page: its text, unchecked.
def doc_role(name, rawtext, text, lineno, inliner, options=None,
             content=None):
    return [nodes.literal(rawtext, text)], []


roles.register_local_role('doc', doc_role)

bad = 0
for path in sys.argv[1:]:
    with open(path, encoding='utf-8') as f:
        text = f.read()
    try:
        docutils.core.publish_doctree(
            text, source_path=path,
            settings_overrides={'report_level': 2, 'halt_level': 2,
                                'warning_stream': io.StringIO()})
    except docutils.utils.SystemMessage as e:
        print(f'rstcheck: {e}', file=sys.stderr)
        bad += 1
    else:
        print(f'rstcheck: {path}: ok')
sys.exit(1 if bad else 0)
