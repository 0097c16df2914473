from anxin.notifications import selectors


def unread(request):
    """The unread count in the header: one query per page, "99+" past 99."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    count = selectors.unread_count(user=request.user)
    return {"unread_notifications": f"{selectors.UNREAD_SHOWN}+" if count > selectors.UNREAD_SHOWN else count}
