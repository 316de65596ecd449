# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration of numaclaim's documentation: `make docs` renders
# HTML into build/docs/html and the numaclaimctl(8) man page into
# build/docs/man, with every warning an error.

project = 'numaclaim'
author = 'the numaclaim developers'
root_doc = 'index'
exclude_patterns = []

# Keep "--" as two hyphens: option names are written with them.
smartquotes = False

html_theme = 'alabaster'
html_static_path = []
html_show_sourcelink = False

# numaclaimctl(8), from the same source as the HTML page.
man_pages = [
    ('numaclaimctl', 'numaclaimctl',
     'look at and use numaclaim page pools, claims and allocation files',
     [author], 8),
]
man_show_urls = False
man_make_section_directory = False
