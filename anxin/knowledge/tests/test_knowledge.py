"""G1–G3: articles through review, what each reader sees, scripts filled from the order, suggestions and their use."""

import pytest

from anxin.accounts import services as account_services
from anxin.accounts.roles import Role
from anxin.audit.models import AuditLog
from anxin.core.errors import DomainError, PermissionDeniedError
from anxin.devtools.testing.personas import fresh
from anxin.knowledge import scripts, services
from anxin.knowledge.models import Article
from anxin.workorders.models import WorkOrderEvent
from anxin.workorders.tests.factories import make_order


@pytest.fixture
def kb(world):
    editor = account_services.user_create(username="ed", password="x" * 12, role=Role.KNOWLEDGE_EDITOR,
                                          org_unit=world.site_a)
    reviewer = account_services.user_create(username="qa", password="x" * 12, role=Role.QA_INSPECTOR,
                                            org_unit=world.site_a)
    return editor, reviewer


def publish(article, reviewer):
    services.article_review(article=article, actor=reviewer)
    return services.article_publish(article=article, actor=reviewer)


def test_an_article_goes_from_draft_through_review_to_published_and_retired_with_four_eyes(world, kb):
    editor, reviewer = kb
    article = services.article_create(actor=editor, data={"title": "漏水怎么办", "body": "<p>关阀门</p>",
                                                          "audience": "faq"})
    assert article.status == "draft" and article.live is None
    with pytest.raises(DomainError) as own:
        services.article_review(article=article, actor=editor)
    assert own.value.status == 403  # an editor has no publish right at all
    self_review = account_services.user_create(username="qa2", password="x" * 12, role=Role.QA_INSPECTOR,
                                               org_unit=world.site_a)
    mine = services.article_create(actor=self_review, data={"title": "自己写的", "body": "<p>x</p>"})
    with pytest.raises(DomainError, match="其他人审核"):
        services.article_review(article=mine, actor=self_review)
    with pytest.raises(DomainError, match="草稿"):  # a draft is reviewed before it is published
        services.article_publish(article=article, actor=reviewer)
    article = publish(article, reviewer)
    assert article.status == "published" and article.live.version == 1 and article.live.reviewer == reviewer
    # the next version is written while version 1 stays what readers see
    article = services.article_update(article=article, actor=editor, data={"body": "<p>先关总阀门，再报修</p>"},
                                      edit_seq=article.edit_seq)
    assert article.version == 2 and article.status == "draft" and article.live.body == "<p>关阀门</p>"
    article = publish(article, reviewer)
    assert article.live.version == 2 and article.versions.get(version=1).retired_at is not None
    article = services.article_retire(article=article, actor=reviewer)
    assert article.live is None
    with pytest.raises(DomainError):
        services.article_update(article=article, actor=editor, data={"title": "x"}, edit_seq=article.edit_seq)
    actions = list(AuditLog.objects.filter(object_type="knowledge.article", object_id=article.public_id)
                   .values_list("summary", flat=True))
    assert len(actions) == 7  # created, reviewed, published, edited, reviewed, published, retired


def test_two_editors_at_once_the_second_save_is_told_and_nothing_is_overwritten(world, kb):
    editor, _reviewer = kb
    other = account_services.user_create(username="ed2", password="x" * 12, role=Role.KNOWLEDGE_EDITOR,
                                         org_unit=world.site_a)
    article = services.article_create(actor=editor, data={"title": "跳闸", "body": "<p>一</p>"})
    opened = article.edit_seq
    services.article_update(article=article, actor=editor, data={"body": "<p>二</p>"}, edit_seq=opened)
    with pytest.raises(DomainError) as stale:
        services.article_update(article=article, actor=other, data={"body": "<p>三</p>"}, edit_seq=opened)
    assert stale.value.status == 409 and "其他人保存" in str(stale.value)
    assert Article.objects.get(pk=article.pk).body == "<p>二</p>"


def test_html_in_an_article_is_sanitised_on_save(world, kb):
    editor, _ = kb
    article = services.article_create(actor=editor, data={
        "title": "<b>标题</b>", "body": '<p onclick="x()">正文<script>alert(1)</script><a href="javascript:x">链接</a>'
                                      '<img src="http://evil/x.png"><style>p{}</style></p>'})
    assert "<script" not in article.body and "onclick" not in article.body and "javascript:" not in article.body
    assert "<img" not in article.body and "<style" not in article.body and "正文" in article.body
    with pytest.raises(DomainError):
        services.article_create(actor=editor, data={"title": "空", "body": "<script>only</script>"})


def test_who_reads_and_who_writes(world, kb, client_for):
    editor, reviewer = kb
    internal = publish(services.article_create(actor=editor, data={"title": "内部指引", "body": "<p>内部</p>"}),
                       reviewer)
    draft = services.article_create(actor=editor, data={"title": "草稿", "body": "<p>草稿</p>"})
    agent = client_for(world.agent_a)
    assert agent.get(f"/kb/{internal.public_id}/").status_code == 200
    assert agent.get(f"/kb/{draft.public_id}/").status_code == 404  # drafts are for editors
    assert agent.get("/kb/new/").status_code == 403
    assert agent.post(f"/kb/{internal.public_id}/step/", {"step": "retire"}).status_code == 403
    with pytest.raises(PermissionDeniedError):
        services.article_create(actor=fresh(world.agent_a), data={"title": "x", "body": "<p>x</p>"})
    editor_client = client_for(editor)
    assert editor_client.get(f"/kb/{draft.public_id}/").status_code == 200
    assert editor_client.post(f"/kb/{draft.public_id}/step/", {"step": "review"}).status_code == 403
    client_for(world.agent_a).logout()
    assert agent.get(f"/kb/{internal.public_id}/").status_code == 302  # to the login page
    assert agent.get(f"/faq/{internal.public_id}/").status_code == 404  # internal is never public


def test_the_public_faq_needs_no_login_searches_and_counts_helpful_once_per_reader(world, kb, client):
    editor, reviewer = kb
    faq = publish(services.article_create(actor=editor, data={"title": "家里水管漏水了怎么办",
                                                              "body": "<p>先关闭总阀门</p>", "audience": "faq"}),
                  reviewer)
    page = client.get("/faq/").content.decode()
    assert "家里水管漏水了怎么办" in page and "常见问题" in page
    found = client.get("/faq/?q=漏水").content.decode()
    assert f"/faq/{faq.public_id}/" in found and "<mark>" in found
    assert "没有找到匹配的解答" in client.get("/faq/?q=" + "😀" * 50).content.decode()
    assert client.post(f"/faq/{faq.public_id}/vote/", {"helpful": "yes"}).status_code == 302
    assert client.post(f"/faq/{faq.public_id}/vote/", {"helpful": "yes"}).status_code == 302
    assert client.post(f"/faq/{faq.public_id}/vote/", {"helpful": "maybe"}).status_code == 400
    faq.refresh_from_db()
    assert faq.helpful_yes == 1


def test_scripts_fit_the_orders_state_and_are_filled_from_it(world, kb):
    order = make_order(world, title="厨房水管漏水")
    assert "repeat_within" in scripts.situations_for(order, within_promise=True)
    late = scripts.situations_for(order, within_promise=False)
    assert late[0] == "repeat_overdue" and "repeat_within" not in late
    assert scripts.situations_for(None)[0] == "greeting"
    assert scripts.situations_for(order, on_revisit=True)[0] == "revisit"
    world.agent_a.employee_no = "1024"
    text = scripts.fill("{客户姓名}您好，工单{工单号}，工号{工号}，{技师姓名}师傅", order=order, agent=world.agent_a)
    assert text == f"王芳您好，工单{order.number}，工号1024，【技师姓名】师傅"


def test_a_used_suggestion_goes_on_the_orders_timeline(world, kb, client_for):
    editor, reviewer = kb
    script = publish(services.article_create(actor=editor, data={
        "title": "重复来电（未超时）", "body": "{客户姓名}您好，工单{工单号}正在处理", "audience": "script",
        "situation": "repeat_within"}), reviewer)
    guide = publish(services.article_create(actor=editor, data={"title": "漏水报修受理要点",
                                                                "body": "<p>问清漏水位置</p>"}), reviewer)
    order = make_order(world, title="厨房水管漏水")
    client = client_for(world.agent_a)
    panel = client.get(f"/kb/suggest/?order={order.public_id}&q=漏水").content.decode()
    assert "重复来电（未超时）" in panel and "<mark>漏水</mark>报修受理要点" in panel
    used = client.post(f"/kb/{script.public_id}/use/", {"order": str(order.public_id)}).content.decode()
    assert f"王芳您好，工单{order.number}正在处理" in used
    event = order.events.get(type=WorkOrderEvent.Type.KNOWLEDGE_USED)
    assert event.reason == "重复来电（未超时）" and not event.is_public
    guide.refresh_from_db()
    assert client.post(f"/kb/{guide.public_id}/use/").status_code == 200
    assert Article.objects.get(pk=guide.pk).used_count == 1
    other_site = make_order(world, actor=world.agent_b, customer=world.customer_b)
    assert client.post(f"/kb/{guide.public_id}/use/", {"order": str(other_site.public_id)}).status_code == 404
    # the scripts are kept in the process for a minute: retiring one here takes it off at once
    services.article_retire(article=script, actor=reviewer)
    assert "重复来电（未超时）" not in client.get(f"/kb/suggest/?order={order.public_id}&q=漏水").content.decode()


def test_the_call_screen_records_the_articles_used_on_the_order_it_creates(world, kb, client_for):
    editor, reviewer = kb
    guide = publish(services.article_create(actor=editor, data={"title": "漏水报修受理要点",
                                                                "body": "<p>问清漏水位置</p>"}), reviewer)
    client = client_for(world.agent_a)
    response = client.post("/intake/call/", {
        "phone": "13800138000", "customer": str(world.customer_a.public_id), "site": "SA", "channel": "hotline",
        "category": "install_repair", "content": "厨房水管漏水", "order_title": "厨房水管漏水", "order_type": "repair",
        "priority": "2", "token": "t-kb-1", "action": "order", "force_new": "1",
        "used_articles": f"{guide.public_id},not-a-uuid,"})
    assert response.status_code == 302
    order = world.customer_a.work_orders.get()
    assert list(order.events.filter(type=WorkOrderEvent.Type.KNOWLEDGE_USED).values_list("reason", flat=True)) \
        == ["漏水报修受理要点"]


def test_an_attachment_is_checked_by_its_content(world, kb):
    from django.core.files.uploadedfile import SimpleUploadedFile

    editor, _ = kb
    article = services.article_create(actor=editor, data={"title": "图示", "body": "<p>见附件</p>"})
    with pytest.raises(DomainError):
        services.attachment_add(article=article, actor=editor,
                                file=SimpleUploadedFile("x.png", b"<html><script>x</script></html>"))
    pdf = services.attachment_add(article=article, actor=editor,
                                  file=SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n%test\n"))
    assert pdf.content_type == "application/pdf" and pdf.original_name == "说明.pdf"


def test_fault_statistics_count_the_causes_per_category_and_model_within_scope(world, client_for):
    from anxin.customers import services as customer_services
    from anxin.workorders.models import WorkOrder

    asset = customer_services.asset_create(customer=world.customer_a, actor=None, name="热水器", brand="万和",
                                           model="JSQ24")
    for description in ("热水器漏水，阀门老化", "热水器漏水", "阀门滴水"):
        make_order(world, title="热水器故障", description=description, category=world.category, asset=asset)
    make_order(world, actor=world.agent_b, customer=world.customer_b, title="热水器漏水", category=world.category)
    make_order(world, title="还没修好的漏水", category=world.category)  # still open: not counted
    WorkOrder.objects.exclude(title="还没修好的漏水").update(status="resolved")
    page = client_for(world.dispatcher_a).get("/kb/faults/")
    [leak] = page.context["categories"]
    assert leak.label == "漏水" and leak.orders == 3  # site A only, resolved only
    assert dict(leak.causes)["热水器"] == 3 and dict(leak.causes)["阀门"] == 2 and "漏水" not in dict(leak.causes)
    [model] = page.context["models"]
    assert model.label == "万和 JSQ24" and model.orders == 3
    assert client_for(world.agent_a).get("/kb/faults/?since=bad").status_code == 200
    assert client_for(world.tech_a).get("/kb/faults/").status_code == 403


def test_a_failed_save_leaves_no_file_behind(world, kb, settings, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from anxin.knowledge.models import ArticleAttachment

    editor, _ = kb
    article = services.article_create(actor=editor, data={"title": "图示", "body": "<p>见附件</p>"})

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(ArticleAttachment.objects, "create", broken)
    with pytest.raises(RuntimeError):
        services.attachment_add(article=article, actor=editor, file=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n"))
    folder = settings.MEDIA_ROOT / "knowledge"
    assert not folder.exists() or not any(folder.iterdir())


def test_denials_of_the_new_pages(world, kb, client, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    editor, reviewer = kb
    internal = publish(services.article_create(actor=editor, data={"title": "内部", "body": "<p>内部</p>"}), reviewer)
    pdf = services.attachment_add(article=internal, actor=editor, file=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n"))
    url = f"/kb/{internal.public_id}/attachments/{pdf.public_id}/"
    assert client.get("/search/?q=漏水").status_code == 302  # the staff search needs a login
    assert client.get(url).status_code == 302
    assert client.post(f"/faq/{internal.public_id}/vote/", {"helpful": "yes"}).status_code == 404  # not public
    assert client.get("/kb/suggest/?q=漏水").status_code == 302
    download = client_for(world.agent_a).get(url)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert client_for(world.tech_a).get("/kb/classify/?content=漏水").status_code == 403  # call screen only
    assert client_for(world.agent_a).post(f"/kb/{internal.public_id}/attachments/", {}).status_code == 403
