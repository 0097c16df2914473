"""The search results written in Python give the HTML the hits template wrote."""

import pytest
from django.template import Context, Template
from django.utils import translation

from anxin.search.selectors import Hit, highlight
from anxin.search.templatetags.search_hits import search_hits

HITS_TEMPLATE = Template("""{% load i18n %}<ol class="hits" id="hits">{% for h in hits %}<li class="card hit"><a href="{{ h.url }}"><strong>{{ h.title_html|safe }}</strong></a>
  <span class="badge">{{ h.kind_label }}</span>{% if h.exact %} <span class="badge p3">{% translate "exact match" %}</span>{% endif %}
  {% if h.snippet %}<div class="snippet">{{ h.snippet|safe }}</div>{% endif %}</li>
{% empty %}<li class="muted" id="no-hits">{% translate "Nothing found. Try fewer or other words, a phone number, its last four digits or an order number." %}</li>{% endfor %}</ol>
""")  # noqa: E501 — search/_hits.html as it was, kept to compare against


def _hits():
    words = ["漏水", "<b>"]
    return [
        Hit(kind="order", title='厨房"漏水" <b>', snippet=highlight("厨房水管漏水 & <script>alert(1)</script>", words),
            url="/orders/1/?a=1&b='2'", exact=True, score=1.0, object_id=1,
            title_html=highlight('厨房"漏水" <b>', words)),
        Hit(kind="customer", title="张三", snippet="", url="/customers/2/", exact=False, score=0.5, object_id=2,
            title_html="张三"),
        Hit(kind="article", title="门禁卡", snippet="刷不开", url="/kb/3/", exact=False, score=0.2, object_id=3,
            audience="faq", title_html="门禁卡"),
        Hit(kind="case", title="案例", snippet="投诉", url="/cases/4/", exact=False, score=0.1, object_id=4,
            title_html="案例"),
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_hits_in_python_match_the_template(language):
    with translation.override(language):
        for hits in (_hits(), []):
            assert search_hits(hits) + "\n" == HITS_TEMPLATE.render(Context({"hits": hits}))
    assert "&lt;script&gt;" in search_hits(_hits()) and "<script>" not in search_hits(_hits())
    with translation.override("zh-hans"):  # both sides read the catalogue: the badge must be in it
        assert "精确匹配" in search_hits(_hits())
