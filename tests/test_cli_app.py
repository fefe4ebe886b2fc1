"""`mentorsim app` refuses a port it cannot use with one line and exit code 2."""

import socket

from mentorsim.cli.main import main


def test_port_in_use_or_out_of_range_exit_2(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"--port = {port}" in err and "Address already in use" in err
    assert main(["app", "--port", "70000"]) == 2
    assert "0 to 65535" in capsys.readouterr().err
