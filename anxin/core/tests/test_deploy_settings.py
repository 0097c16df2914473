"""Issue 13: HSTS, the HTTPS redirect and secure cookies follow ANXIN_SITE_URL; `check --deploy` stops warning."""

import os
import subprocess
import sys


def _deploy_check(**env) -> str:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "anxin.settings", "ANXIN_DEBUG": "0",
                   "ANXIN_SECRET_KEY": "k" * 10 + "x7#Qp2!vLz9@Wm4$Rt6^Yb8&Nc1*Hd3(Fg5)Js0" * 2, **env}
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], env=environment,
                          capture_output=True, text=True, timeout=120)
    return done.stdout + done.stderr


def test_https_site_url_switches_on_hsts_redirect_and_secure_cookies(tmp_path):
    out = _deploy_check(ANXIN_SITE_URL="https://kefu.example.cn", ANXIN_ALLOWED_HOSTS="kefu.example.cn",
                        ANXIN_VAR_DIR=str(tmp_path))
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning not in out, out
    plain = _deploy_check(ANXIN_SITE_URL="http://127.0.0.1:8000", ANXIN_VAR_DIR=str(tmp_path))
    assert "security.W004" in plain and "security.W008" in plain  # plain HTTP says what is missing


def test_check_deploy_says_what_to_fix(tmp_path):
    """`anxin check-deploy`: errors stop it (exit 1) and each names its setting; a configured installation passes."""
    base = {**os.environ, "ANXIN_VAR_DIR": str(tmp_path), "DATABASE_URL": "", "DJANGO_SETTINGS_MODULE": "anxin.settings"}
    base.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the test suite for Playwright, refused by check --deploy
    bad = subprocess.run([sys.executable, "-m", "anxin.cli", "check-deploy"], capture_output=True, text=True,
                         timeout=120, env={**base, "ANXIN_DEBUG": "1", "ANXIN_SITE_URL": "https://kefu.example.cn"})
    assert bad.returncode == 1
    assert "anxin.E010" in bad.stderr and "anxin.E011" in bad.stderr and "ANXIN_ALLOWED_HOSTS" in bad.stderr
    good = subprocess.run([sys.executable, "-m", "anxin.cli", "check-deploy"], capture_output=True, text=True,
                          timeout=120, env={**base, "ANXIN_DEBUG": "0", "ANXIN_SITE_URL": "https://kefu.example.cn",
                                            "ANXIN_ALLOWED_HOSTS": "kefu.example.cn",
                                            "ANXIN_SECRET_KEY": "k" * 10 + "x7#Qp2!vLz9@Wm4$Rt6^Yb8&Nc1*Hd3(Fg5)Js0" * 2,
                                            "ANXIN_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                            "ANXIN_SMS_URL": "https://sms.example.cn/send"})
    assert good.returncode == 0, good.stderr
    assert "anxin.E" not in good.stderr and "anxin.W01" not in good.stderr.replace("anxin.W014", "")


def test_a_server_error_is_a_generic_chinese_page_without_a_trace(rf):
    """Release check: a forced 500 shows no stack trace, SQL or setting; the page reads nothing from the database."""
    from anxin.core.views import server_error

    try:
        raise RuntimeError("SELECT secret FROM accounts_user")
    except RuntimeError:
        response = server_error(rf.get("/orders/"))
    text = response.content.decode()
    assert response.status_code == 500 and "出错了" in text and "管理员" in text
    assert "SELECT" not in text and "Traceback" not in text
