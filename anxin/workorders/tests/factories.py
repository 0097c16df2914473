from anxin.workorders import services


def make_order(world, *, actor=None, customer=None, type="repair", **kwargs):
    customer = customer or world.customer_a
    return services.workorder_create(
        actor=actor or world.agent_a, type=type, channel="hotline", site=customer.site, customer=customer,
        title=kwargs.pop("title", "厨房水管漏水"), **kwargs)
