"""The demo's knowledge base: the phrasebook's scripts (S3 篇5), customer FAQ and internal guides, published."""

from anxin.knowledge import services
from anxin.knowledge.models import Audience, Situation

S = Situation
SCRIPTS = [
    (S.GREETING, "开场问候", "您好，安心客服中心，工号{工号}，很高兴为您服务，请问有什么可以帮您？"),
    (S.IDENTITY, "确认来电人身份", "您好，请问您贵姓？您的联系电话是系统里登记的这个号码，对吗？"),
    (S.CLARIFY, "客户表达不清晰", "您好，您的问题是……您看我理解得对吗？\n您能否把您的问题再详细地描述一遍？"),
    (S.APOLOGY, "客户抱怨时的安抚", "很抱歉，我理解您的心情，您所反映的问题我已记录下来，马上为您反馈。请问还有其它需要补充吗？"),
    (S.REPEAT_WITHIN, "投诉未超时，客户重复来电", "{客户姓名}您好，您反映的问题（工单{工单号}）我们正在处理，承诺在{承诺时间}前给您答复。"
                                              "我们马上为您加急处理，请您保持联系电话畅通即可。"),
    (S.REPEAT_OVERDUE, "工单超时未回复，客户要求马上答复", "{客户姓名}您好，很抱歉，您反映的问题（工单{工单号}）相关部门正在紧急核查和协调中，"
                                                     "对此我们也非常着急。我会将您今天来电的紧急需求第一时间转告处理部门并做详细说明，"
                                                     "30 分钟内给您回电。感谢您的理解与支持。"),
    (S.REFUSAL, "客户要求无法满足", "很抱歉，我们暂时没有此项服务，我们会将您提出的要求转交相关部门，我们会努力做得更好。"),
    (S.EMERGENCY, "紧急报修", "{客户姓名}您好，您的情况我已按紧急工单{工单号}登记，值班师傅会尽快联系您上门。"
                            "在师傅到达前，请先关闭总阀门或总电源，注意安全。"),
    (S.ABUSE, "客户使用不文明语言", "第一次：我很理解您的心情，也希望能协助解决此问题，但请您使用文明语言，否则很抱歉，我们将结束这次通话。\n"
                               "第二次：请您尊重本次对话。\n第三次：请示值班长后结束通话：感谢您的来电，再见。"),
    (S.FAULT, "一般故障登记", "您好，您的情况我已详细记录（工单{工单号}），我们会尽快为您处理。"),
    (S.URGE, "客户催修", "{客户姓名}您好，您反映的故障问题（工单{工单号}）我们正在为您处理，预约的上门时间是{预约时间}，"
                       "{技师姓名}师傅会准时到达，请放心。"),
    (S.REVISIT, "维修回访", "您好，这里是安心客服中心。您家近期的维修（工单{工单号}）已经完成，想占用您一分钟了解一下服务情况，"
                          "方便吗？"),
    (S.CLOSING, "结束语", "请问还有其它可以帮您的吗？\n感谢您的支持与配合，祝您生活愉快，再见！"),
]
FAQ = [
    ("给排水", "家里水管漏水了怎么办？", "<p>请先关闭入户总阀门（一般在水表旁），用毛巾或水桶接住漏水，避免泡坏地板和楼下住户。</p>"
     "<p>然后拨打服务热线或在线报修，说明漏水位置（厨房、卫生间、阳台）。紧急漏水会按紧急工单优先处理。</p>"),
    ("给排水", "下水道、地漏堵塞能自己疏通吗？", "<p>轻微堵塞可用热水加小苏打冲洗，或用皮搋子疏通；请勿倒入强酸强碱。</p>"
     "<p>反复堵塞或整栋楼都有返水，请报修，师傅会检查公共管道。</p>"),
    ("供电", "家里突然停电或跳闸怎么办？", "<ol><li>先看配电箱：总开关或漏电保护开关是否跳下。</li>"
     "<li>拔掉最近使用的大功率电器后再合闸。</li><li>合不上或反复跳闸，请报修，不要强行合闸。</li></ol>"
     "<p>如果整栋楼都停电，可能是大面积停电，请留意小区通知。</p>"),
    ("门窗门禁", "门禁卡刷不开怎么办？", "<p>请先确认卡片没有消磁、破损；可到物业服务中心免费检测，损坏的按规定补办。</p>"
     "<p>整个单元门禁都打不开，请报修。</p>"),
    ("家电安装", "空调不制冷、漏水是什么原因？", "<p>常见原因：滤网太脏、冷媒不足、排水管堵塞或室外机散热不好。</p>"
     "<p>可先清洗滤网；仍不制冷或室内机漏水，请报修并告诉我们空调品牌和型号。</p>"),
    ("服务", "报修后多久能上门？", "<p>一般报修在 4 个工作小时内上门；紧急报修（漏水、停电、困梯）2 小时内到达，7×24 小时。</p>"
     "<p>您可以通过短信里的链接随时查看进度和师傅姓名。</p>"),
    ("服务", "维修怎么收费？", "<p>师傅上门检查后先报价，您签字同意后才开始收费项目；保修期内的免费。</p>"
     "<p>价目表外的项目需要主管审批，您可以拒绝。</p>"),
    ("服务", "怎么投诉或表扬？", "<p>拨打服务热线说明情况，我们会在 24 小时内联系您，并告诉您处理期限。</p>"),
]
INTERNAL = [
    ("给排水", "漏水报修受理要点", "<ul><li>问清漏水位置、是否影响楼下、是否已关阀。</li><li>影响楼下或大量漏水：标记紧急。</li>"
     "<li>同一客户同一位置 30 天内第二次报修：按返修处理。</li></ul>"),
    ("供电", "跳闸报修受理要点", "<ul><li>先引导客户检查配电箱和大功率电器。</li>"
     "<li>多户同时停电：可能是大面积故障，报值班长。</li></ul>"),
    ("服务", "客户要求转接指定客服代表", "<p>步骤1：我们这里的每一个客服代表都可以为您提供优质服务，请问您是否方便告诉我您的问题？</p>"
     "<p>步骤2：客户坚持时，指定代表在线则转接；不在线则告知并主动受理。</p>"),
]


def load_knowledge(*, editor, reviewer) -> int:
    categories = {name: services.category_create(actor=None, name=name, position=i)
                  for i, name in enumerate(["给排水", "供电", "门窗门禁", "家电安装", "服务", "话术"])}
    articles = []
    for situation, title, body in SCRIPTS:
        articles.append(services.article_create(actor=editor, data={
            "title": title, "body": body, "audience": Audience.SCRIPT, "situation": situation,
            "category": categories["话术"]}))
    for audience, rows in ((Audience.FAQ, FAQ), (Audience.INTERNAL, INTERNAL)):
        for category, title, body in rows:
            articles.append(services.article_create(actor=editor, data={
                "title": title, "body": body, "audience": audience, "category": categories[category]}))
    for article in articles:
        services.article_review(article=article, actor=reviewer)
        services.article_publish(article=article, actor=reviewer)
    return len(articles)
