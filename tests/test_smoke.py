import urllib.request


def test_gunicorn_serves_the_login_page(live_server):
    with urllib.request.urlopen(live_server + "/login") as response:
        body = response.read().decode()
    assert response.status == 200
    assert "Đăng nhập" in body
