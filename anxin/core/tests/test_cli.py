from anxin.cli import site_url_warning


def test_run_warns_when_customer_links_point_at_another_local_port():
    warning = site_url_warning("http://127.0.0.1:8000", "127.0.0.1", 9000)
    assert warning and "ANXIN_SITE_URL=http://127.0.0.1:9000" in warning and "短信" in warning
    assert site_url_warning("http://127.0.0.1:9000", "127.0.0.1", 9000) is None
    assert site_url_warning("http://localhost", "127.0.0.1", 80) is None
    # behind a reverse proxy the public address is expected to differ from the local port
    assert site_url_warning("https://kefu.example.cn", "127.0.0.1", 8000) is None
