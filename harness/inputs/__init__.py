"""What can be translated besides the reference articles: a user's own content.

* :mod:`harness.inputs.reading` reads one file (a plain article ``.txt``, a
  segment file ``.jsonl`` or ``.tsv``, a line-aligned reference file) into
  :class:`~harness.inputs.reading.InputSegment` records, refusing bad input with
  one line that says where;
* :mod:`harness.inputs.content` turns them into articles the run engine
  translates (one variant, ``original``), describes them for the run header
  (path, sha256, format) and rebuilds them from a header for ``--resume``, and
  gives back the reference translations they carry.
"""
