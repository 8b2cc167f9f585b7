"""The shipped nginx rules (deploy/nginx-planportal-server.conf, with the zone that
deploy/nginx-planportal.conf declares) pass `nginx -t`: drills/slow_clients.py measures them
under attack; this catches a rule nginx would refuse to load."""

import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import REPO

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def test_the_shipped_server_rules_load_in_nginx(tmp_path):
    site = (REPO / "deploy/nginx-planportal.conf").read_text()
    zone = re.search(r"^limit_conn_zone .*;$", site, re.M).group(0)
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {tmp_path}/body;
    {zone}
    upstream planportal {{ server 127.0.0.1:9; }}
    server {{
        listen 127.0.0.1:9;
        include {REPO}/deploy/nginx-planportal-server.conf;
    }}
}}
"""
    )
    assert Path(NGINX).exists(), "make test installs nginx (scripts/install-system.sh --test)"
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    assert "include /srv/planportal/deploy/nginx-planportal-server.conf;" in site
