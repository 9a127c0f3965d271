"""sys.stdout and sys.stderr behave like text streams: any str can be printed (a lone
surrogate is shown escaped, as Python's own stderr does, instead of raising), they declare
their error handling, and they have a binary `buffer` for code that writes bytes."""


def test_a_lone_surrogate_is_printed_escaped(kernel):
    result = kernel.execute("print('a\\ud800b'); import sys; print('\\udcff', file=sys.stderr)")
    assert result.status == "ok", result.errors
    assert result.stdout == "a\\ud800b\n"
    assert result.stderr == "\\udcff\n"


def test_streams_declare_their_encoding_and_error_handling(kernel):
    assert kernel.value("import sys; (sys.stdout.encoding, sys.stdout.errors, sys.stderr.errors)") == \
        "('UTF-8', 'backslashreplace', 'backslashreplace')"


def test_bytes_written_to_the_buffer_are_shown(kernel):
    result = kernel.execute("import sys\n"
                            "sys.stdout.buffer.write('caf\\u00e9\\n'.encode())\n"
                            "sys.stderr.buffer.write(b'bad \\xff byte\\n')\n"
                            "sys.stdout.buffer.flush()")
    assert result.stdout == "café\n"
    assert result.stderr == "bad \ufffd byte\n"


def test_writing_something_else_than_str_is_a_type_error(kernel):
    result = kernel.execute("import sys; sys.stdout.write(b'bytes')")
    assert result.reply["ename"] == "TypeError"
    assert "must be str, not bytes" in result.reply["evalue"]
